package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/connectorgen/connectorgen/runtime/expr"
)

// Trigger state computed by the client (connector-protocol §3.6, §3.7).
//
// The platform keeps a polling trigger's state in the URL of the next poll.
// Two connector features compute that state from the response instead of
// letting the backend send a Location, and both are honoured here by
// writing the state into the Next URL, so the cursor stays one URL:
//
// The pollingtrigger policy template ([PollingTrigger]) makes the gateway
// speak the 202 protocol for a backend that does not. Poll plays the
// gateway: it calls the backend (path without its leading /trigger
// segment, §3.7 step 2), finds the array of new items (SplitRule, from
// triggerDataPath) and
//
//   - on the first poll (next == "") fires nothing: it is the baseline
//     (§3.7 step 4). Next is the request URL with every Config parameter
//     set to its expression evaluated on this response. A parameter whose
//     expression cannot be evaluated (e.g. "value[0].id" of an empty
//     array) is left out: the next poll then asks without it, so items
//     that appear later are delivered (pre-existing ones may be too:
//     duplicates, never a loss). Next is never "" after the baseline, so
//     the baseline is taken once.
//   - on later polls, with no items, fires nothing and keeps Next (§3.7
//     step 5: "202 with unchanged Location").
//   - with items, fires them and sets every Config parameter from this
//     response. An expression that cannot be evaluated here is an error
//     and Next stays the URL this poll used: firing with the old state
//     would deliver the same items at every poll, and moving on without a
//     state is not possible; re-reading the same window loses nothing.
//
// A backend answering 202 is taken as "nothing new" and its Location, if
// any, is followed like any trigger's (the policy does not forbid a
// backend that speaks the protocol itself).
//
// x-ms-trigger-value on a query parameter ([TriggerValue]; the platform
// reportedly ignores it, §3.6) is honoured after every 200: the parameter
// of the Next URL is set from the response. The protocol document leaves
// open whether the first or the last item carries the next value; Poll
// takes the greatest value among the items (numerically when all are
// numbers, else as text when all are strings, else the last item's). For
// a backend sorted either way that is the newest item, the value a
// "greater than" filter needs so that nothing delivered is asked for
// again and nothing newer is skipped. When no item has the value, Next is
// left as it is.

// PollingTrigger is the pollingtrigger policy template of an operation
// (connector-protocol §3.7): which query parameters carry the trigger's
// state and how to compute them from a response. See the notes above.
type PollingTrigger struct {
	// Config lists the state parameters in the connector's order.
	Config []TriggerConfig

	// The expressions of Config, parsed once (as policies are).
	once   sync.Once
	parsed []*expr.Template
	errs   []error
}

// templates returns the parsed expressions of Config, index by index (a
// nil template with its parse error where one does not parse).
func (pt *PollingTrigger) templates() ([]*expr.Template, []error) {
	pt.once.Do(func() {
		pt.parsed = make([]*expr.Template, len(pt.Config))
		pt.errs = make([]error, len(pt.Config))
		for i, tc := range pt.Config {
			pt.parsed[i], _, pt.errs[i] = expr.Parse(tc.Expr)
		}
	})
	return pt.parsed, pt.errs
}

// TriggerConfig is one entry of a pollingtrigger policy's triggerConfig:
// query parameter Param gets, for the next poll, the value of Expr (an
// expression over @triggerBody(), e.g.
// "lastModifiedDateTime gt @{triggerBody().value[0].lastModifiedDateTime}")
// evaluated on the current response.
type TriggerConfig struct {
	Param string
	Expr  string
}

// TriggerValue is x-ms-trigger-value on a query parameter: the next value
// of the parameter is the Path property of an item of the Collection
// array of the response. Both are '/'-separated property paths from the
// body root and the item ("" = the body itself).
type TriggerValue struct {
	Collection string
	Path       string
}

// stripTriggerPrefix returns op with its path's leading "/trigger" segment
// removed (§3.7 step 2), or op itself when the path has none.
func stripTriggerPrefix(op *Operation) *Operation {
	p := PollingTriggerBackendPath(op.Path)
	if p == op.Path {
		return op
	}
	sub := *op
	sub.Path = p
	return &sub
}

// PollingTriggerBackendPath is the backend path of a pollingtrigger-policy
// operation: its path without the leading "/trigger" segment (protocol
// §3.7 step 2; "/triggers/x" has none). Generated fakes route by it too.
func PollingTriggerBackendPath(path string) string {
	if len(path) < len("/trigger") || !strings.EqualFold(path[:len("/trigger")], "/trigger") {
		return path
	}
	rest := path[len("/trigger"):]
	switch {
	case rest == "":
		return "/"
	case rest[0] != '/':
		return path
	}
	return rest
}

// triggerEnv is the evaluation environment of a trigger state expression.
func triggerEnv(body []byte) (expr.Env, error) {
	var v any
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
	}
	return expr.MapEnv{TriggerBodyValue: v}, nil
}

// policyState evaluates the policy's Config on a 200 body. It returns the
// parameter values that could be computed and the first evaluation error.
func (pt *PollingTrigger) state(env expr.Env) (map[string]string, error) {
	vals := map[string]string{}
	var first error
	tmpls, errs := pt.templates()
	for i, tc := range pt.Config {
		if tc.Param == "" {
			continue
		}
		s, err := evalText(tmpls[i], errs[i], env)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("triggerConfig %q: %w", tc.Param, err)
			}
			continue
		}
		vals[tc.Param] = s
	}
	return vals, first
}

// evalText evaluates a trigger expression to the text sent as a query
// value.
func evalText(t *expr.Template, parseErr error, env expr.Env) (string, error) {
	if parseErr != nil {
		return "", parseErr
	}
	v, err := t.EvalValue(env)
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", errors.New("the expression is null")
	}
	return expr.Text(v)
}

// withQuery returns u with the query parameters in vals set (replacing
// any previous values); the other parameters keep their order.
func withQuery(u string, vals map[string]string) (string, error) {
	if len(vals) == 0 {
		return u, nil
	}
	pu, err := url.Parse(u)
	if err != nil {
		return u, err
	}
	q := pu.Query()
	for k, v := range vals {
		q.Set(k, v)
	}
	// url.Values.Encode sorts by key: deterministic, and the order of
	// query parameters carries no meaning for the protocol.
	pu.RawQuery = q.Encode()
	return pu.String(), nil
}

// triggerValues computes the x-ms-trigger-value parameters of op from a
// 200 body: parameter name → next value, for those that have one.
func triggerValues(op *Operation, body []byte) map[string]string {
	var vals map[string]string
	var root any
	decoded := false
	for _, p := range op.Params {
		if p.TriggerValue == nil || p.In != InQuery {
			continue
		}
		if !decoded {
			decoded = true
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if dec.Decode(&root) != nil {
				return nil
			}
		}
		items, _ := slashPath(root, p.TriggerValue.Collection).([]any)
		if s, ok := greatest(items, p.TriggerValue.Path); ok {
			if vals == nil {
				vals = map[string]string{}
			}
			vals[p.Name] = s
		}
	}
	return vals
}

// slashPath follows a '/'-separated property path ("" = v itself); nil
// when a step is missing.
func slashPath(v any, path string) any {
	for _, name := range strings.Split(path, "/") {
		if name == "" {
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[name]
	}
	return v
}

// greatest returns the text of the greatest value at path among items:
// numerically when all values are numbers, as strings when all are
// strings, else the last item's. Items without a value are skipped.
func greatest(items []any, path string) (string, bool) {
	var vals []any
	nums, strs := true, true
	for _, it := range items {
		v := slashPath(it, path)
		switch v.(type) {
		case nil:
			continue
		case json.Number:
			strs = false
		case string:
			nums = false
		default:
			nums, strs = false, false
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return "", false
	}
	best := vals[len(vals)-1]
	switch {
	case nums:
		best = vals[0]
		for _, v := range vals[1:] {
			if numLess(best.(json.Number), v.(json.Number)) {
				best = v
			}
		}
	case strs:
		best = vals[0]
		for _, v := range vals[1:] {
			if best.(string) < v.(string) {
				best = v
			}
		}
	}
	s, err := expr.Text(best)
	return s, err == nil
}

// numLess compares two JSON numbers: exactly as integers when both are,
// else as float64.
func numLess(a, b json.Number) bool {
	ai, errA := strconv.ParseInt(string(a), 10, 64)
	bi, errB := strconv.ParseInt(string(b), 10, 64)
	if errA == nil && errB == nil {
		return ai < bi
	}
	af, _ := a.Float64()
	bf, _ := b.Float64()
	return af < bf
}
