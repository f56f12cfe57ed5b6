package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Polling triggers (connector-protocol.md §3.1–3.4, §8.2).
//
// The caller keeps the trigger state: the Next URL of the last outcome. A
// loop looks like
//
//	next := ""
//	for {
//		o, err := c.Poll(ctx, op, args, next, rule)
//		if err == nil && o.Fired {
//			deliver(o.Events) // before storing o.Next
//		}
//		next = o.Next // also on error: it is then the URL this poll used
//		wait(NextPollDelay(o, interval))
//	}
//
// Readings chosen for points the protocol reference marks UNCONFIRMED or
// leaves open; each is the reading that loses no data (at worst an event
// is delivered twice, never skipped):
//
//   - Request body on a Location poll. The platform polls the Location with
//     the trigger's method; whether a POST trigger re-sends its body is
//     UNCONFIRMED (§3.3). Poll re-sends it, built from args exactly as for
//     the first poll, together with the header parameters. The Location
//     carries only the state, not the trigger's inputs: a backend that
//     reads its filter from the body would otherwise answer a different
//     question (or fail), while a backend that ignores the body loses
//     nothing. Path and query parameters are not re-applied: the Location
//     replaces the URL verbatim, query included.
//   - Retry-After as an HTTP date (§3.3: only seconds are confirmed) is
//     accepted too; a date in the past counts as present with value 0.
//     An unparsable or negative value counts as absent.
//   - Array of a batch trigger with Path nil and an object body (§3.4,
//     UNCONFIRMED): "value" if it is an array, else the only array-typed
//     property, else no split (the whole body is one event). Not
//     splitting delivers everything, just unsplit.
//   - An explicit Path that does not lead to an array (missing property,
//     null, a non-array value) is a [*DecodeError] rather than "fired with
//     no events": firing would let the caller store the new Location and
//     skip whatever the body held. With the error, Next stays at the URL
//     this poll used, so the same window is read again.
//   - A 200 whose body is empty or JSON null, or whose array is empty, is
//     Fired with no events: there is nothing to deliver, and the new
//     Location is taken (the server said 200, so it moved its state).
//   - Statuses other than 200 and 202, including other 2xx (201, 204) and
//     unfollowed 3xx, are an [*Error] as with [Client.Do]; §3.2 only
//     defines 200 and 202. A Location on such a response is not followed
//     (Next is the URL this poll used; the header is in Error.Header): an
//     error response is not a state transition the protocol defines, and
//     re-reading the old window cannot skip data.
//   - A relative Location (the protocol says absolute) is resolved
//     against the URL the response came from (RFC 9110 §10.2.2), i.e. the
//     redirect target when the HTTP client followed a redirect. An
//     absolute Location is kept as the server wrote it. A Location that
//     does not parse, is not http/https, has no host or carries user
//     information is an error, with Next at the URL this poll used.
//   - Credentials are attached to the Location poll whatever its host,
//     like the platform, which polls its own gateway with the same
//     connection (§3.3). Only point Poll at services trusted with them.
//   - Retries follow the client's [RetryPolicy] exactly as for Do: a POST
//     trigger is not retried unless RetryNonIdempotent is set.

// PollOutcome is the result of one poll of a polling trigger.
type PollOutcome struct {
	Status int               // HTTP status of the poll (200 or 202)
	Fired  bool              // true on 200: Events hold what to deliver
	Events []json.RawMessage // single: the 200 body as one event; batch: the items of the array (see SplitRule)
	// Next is the absolute URL of the next poll: the response's Location
	// resolved against the request URL (relative and absolute Locations), or,
	// without Location, the URL this poll used (so the state is kept).
	// When Poll returns an error, Next is the URL this poll used (the next
	// argument, or the URL built from op and args), so storing it never
	// loses the state.
	Next string
	// RetryAfter is the server's Retry-After (seconds or HTTP date), 0 when absent.
	RetryAfter time.Duration
	Header     http.Header
}

// SplitRule says how a batch trigger's 200 body becomes events.
type SplitRule struct {
	Batch bool // false: the whole body is one event (x-ms-trigger: single)
	// Path is the array's location as property names from the body root
	// (e.g. ["value"] for "@triggerBody().value", nil = the body itself).
	// When Path is nil and the body is not an array, the rule of
	// connector-protocol §3.4 applies: "value" if it is an array, else the
	// single array-typed property, else the whole body is one event.
	// An empty Path is the same as nil; Path is ignored when Batch is false.
	Path []string
}

// Poll sends one poll. With next == "" it builds the request from op and args like Do;
// otherwise it sends op.Method to next verbatim (the stored Location), with the
// connection's auth (unless op.NoAuth), the operation's header parameters and
// the same middleware/logging/retry policy as Do. 200 → Fired with events; 202 → not
// fired (body ignored); any other status → *Error (as Do returns).
//
// An empty 200 body, a JSON null body or an empty array gives Fired with no
// events: nothing to deliver, but Next is the new state. A 200 body that
// is not JSON, or whose array cannot be found at rule.Path, is a
// [*DecodeError].
//
// For a Location poll (next != "") pass the same args as for the first
// poll: header parameters and the request body are built from them (see
// the notes at the top of poll.go); path and query parameters are not
// used, so they may be left unset. next must be an absolute http or https
// URL without user information.
//
// On error the outcome still carries what is known (Status, Header and
// RetryAfter of an [*Error]) and Next is the URL this poll used.
func (c *Client) Poll(ctx context.Context, op *Operation, args []Arg, next string, rule SplitRule) (PollOutcome, error) {
	out := PollOutcome{Next: next}
	pt := op.PollingTrigger
	if pt != nil {
		op = stripTriggerPrefix(op)
	}
	req, err := c.pollRequest(op, args, next)
	if err != nil {
		return out, err
	}
	if err := c.prepare(ctx, op, req); err != nil { // policies first: Next is the URL sent
		return out, err
	}
	if next == "" {
		out.Next = req.url.String()
	}
	resp, hreq, _, err := c.send(ctx, op, req)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			out.Status, out.Header = e.StatusCode, e.Header
			out.RetryAfter, _ = retryAfter(e.Header, time.Now())
		}
		return out, err
	}
	out.Status, out.Header = resp.StatusCode, resp.Header
	out.RetryAfter, _ = retryAfter(resp.Header, time.Now())
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted:
	default:
		return out, newError(op.ID, resp, c.secretValues(hreq))
	}
	next2, err := c.pollNext(out.Next, &req.url, resp, hreq)
	if err != nil {
		discard(resp.Body)
		return out, fmt.Errorf("%s: %w", op.ID, err)
	}
	if resp.StatusCode == http.StatusAccepted {
		discard(resp.Body)
		out.Next = next2
		return out, nil
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return out, fmt.Errorf("%s: reading response body: %w", op.ID, err)
	}
	events, err := splitEvents(b, rule)
	if err != nil {
		return out, &DecodeError{OperationID: op.ID, StatusCode: resp.StatusCode, Body: bounded(b), Err: err}
	}
	if pt != nil {
		return c.gatewayOutcome(op, pt, out, next == "", b, events)
	}
	if next2, err = withQuery(next2, triggerValues(op, b)); err != nil {
		return out, fmt.Errorf("%s: x-ms-trigger-value: %w", op.ID, err)
	}
	out.Fired, out.Events, out.Next = true, events, next2
	return out, nil
}

// gatewayOutcome turns a backend's 200 into the outcome the gateway's
// pollingtrigger policy would produce (see polltrigger.go). out.Next is
// the URL this poll used.
func (c *Client) gatewayOutcome(op *Operation, pt *PollingTrigger, out PollOutcome, first bool, b []byte, events []json.RawMessage) (PollOutcome, error) {
	if !first && len(events) == 0 {
		return out, nil // nothing new: the state stays
	}
	decodeErr := func(err error) error {
		return &DecodeError{OperationID: op.ID, StatusCode: out.Status, Body: bounded(b), Err: err}
	}
	env, err := triggerEnv(b)
	if err != nil {
		return out, decodeErr(err)
	}
	vals, evalErr := pt.state(env)
	if !first && evalErr != nil {
		return out, decodeErr(fmt.Errorf("pollingtrigger state: %w", evalErr))
	}
	for k, v := range triggerValues(op, b) {
		vals[k] = v
	}
	next, err := withQuery(out.Next, vals)
	if err != nil {
		return out, fmt.Errorf("%s: pollingtrigger state: %w", op.ID, err)
	}
	out.Next = next
	if !first {
		out.Fired, out.Events = true, events
	}
	return out, nil
}

// NextPollDelay applies the platform's timing rules (connector-protocol §3.2 table):
// after a 200 the Retry-After is honoured whatever its length (0 = poll again
// immediately); after a 202 Retry-After only wins when longer than interval;
// without Retry-After the interval applies.
//
// Any other status (an outcome returned with an error) is treated like a
// 202: the next poll waits for the interval (the platform's next
// recurrence, §8.2) or a longer Retry-After. A Retry-After counts as
// present when o.RetryAfter > 0 or o.Header has a valid Retry-After (so
// "Retry-After: 0" after a 200 means "poll again now").
func NextPollDelay(o PollOutcome, interval time.Duration) time.Duration {
	interval = max(interval, 0)
	ra, has := o.RetryAfter, o.RetryAfter > 0
	if !has {
		_, has = retryAfter(o.Header, time.Now())
	}
	switch {
	case !has:
		return interval
	case o.Status == http.StatusOK || o.Fired:
		return max(ra, 0)
	default:
		return max(ra, interval)
	}
}

// pollRequest builds the request of one poll: from op and args for the
// first poll, or for next with op's method, header parameters and body.
func (c *Client) pollRequest(op *Operation, args []Arg, next string) (*request, error) {
	if next == "" {
		return c.build(op, args)
	}
	u, err := parsePollURL(next)
	if err != nil {
		return nil, fmt.Errorf("%s: poll URL %q: %w", op.ID, c.redact.urlString(next), err)
	}
	if len(args) > len(op.Params) {
		return nil, fmt.Errorf("%s: %d arguments for %d parameters", op.ID, len(args), len(op.Params))
	}
	// Keep only what the Location does not replace: headers and body.
	sub := *op
	sub.Path = ""
	var subArgs []Arg
	sub.Params, subArgs = keepParams(op, args, InHeader, InBody, InFormData)
	req, err := c.build(&sub, subArgs)
	if err != nil {
		return nil, err
	}
	req.url, req.given = *u, true
	return req, nil
}

// parsePollURL checks that s is an absolute http(s) URL with a host and no
// user information.
func parsePollURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	switch {
	case !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https"):
		return nil, errors.New("not an absolute http or https URL")
	case u.Host == "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("must not contain user information")
	}
	return u, nil
}

// pollNext returns the URL of the next poll: the response's Location
// (resolved against the URL the response came from when relative), or cur.
func (c *Client) pollNext(cur string, curURL *url.URL, resp *http.Response, hreq *http.Request) (string, error) {
	loc := strings.TrimSpace(resp.Header.Get("Location"))
	if loc == "" {
		return cur, nil
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return cur, fmt.Errorf("invalid Location %q: %w", c.redact.urlString(loc), err)
	}
	next := loc // an absolute Location is reused as written
	if !ref.IsAbs() {
		base := curURL // without the credentials the Authorizer added
		if r := resp.Request; r != nil && r.URL != nil && r.URL.String() != hreq.URL.String() {
			base = r.URL // a redirect was followed
		}
		next = base.ResolveReference(ref).String()
	}
	if _, err := parsePollURL(next); err != nil {
		return cur, fmt.Errorf("invalid Location %q: %w", c.redact.urlString(loc), err)
	}
	return next, nil
}

// splitEvents turns a 200 body into events per rule (see SplitRule).
func splitEvents(b []byte, rule SplitRule) ([]json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, errors.New("poll response is not valid JSON")
	}
	if string(b) == "null" {
		return nil, nil
	}
	if !rule.Batch {
		return []json.RawMessage{b}, nil
	}
	if len(rule.Path) > 0 {
		cur := json.RawMessage(b)
		for i, name := range rule.Path {
			var obj map[string]json.RawMessage
			if jsonKind(cur) != '{' || json.Unmarshal(cur, &obj) != nil {
				return nil, fmt.Errorf("split path %q: %s is not an object", rule.Path, pathText(rule.Path[:i]))
			}
			v, ok := obj[name]
			if !ok {
				return nil, fmt.Errorf("split path %q: no property %q", rule.Path, name)
			}
			cur = v
		}
		if jsonKind(cur) != '[' {
			return nil, fmt.Errorf("split path %q: %s is not an array", rule.Path, pathText(rule.Path))
		}
		return arrayItems(cur)
	}
	switch jsonKind(b) {
	case '[':
		return arrayItems(b)
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, err
		}
		if v, ok := obj["value"]; ok && jsonKind(v) == '[' {
			return arrayItems(v)
		}
		var only json.RawMessage
		n := 0
		for _, v := range obj {
			if jsonKind(v) == '[' {
				only = v
				n++
			}
		}
		if n == 1 {
			return arrayItems(only)
		}
	}
	return []json.RawMessage{b}, nil
}

// jsonKind returns the first byte of a JSON value ('{', '[', '"', ...).
func jsonKind(b []byte) byte {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func arrayItems(b []byte) ([]json.RawMessage, error) {
	items := []json.RawMessage{}
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, err
	}
	return items, nil
}

// pathText shows a property path as in a trigger expression: body.a.b.
func pathText(p []string) string {
	return strings.Join(append([]string{"body"}, p...), ".")
}

// keepParams returns the parameters of op in the given locations with
// their arguments (unset where args is short), for a request whose URL is
// given rather than built (a Location, a next link).
func keepParams(op *Operation, args []Arg, in ...In) ([]Param, []Arg) {
	var ps []Param
	var as []Arg
	for i, p := range op.Params {
		if !slices.Contains(in, p.In) {
			continue
		}
		var a Arg
		if i < len(args) {
			a = args[i]
		}
		ps, as = append(ps, p), append(as, a)
	}
	return ps, as
}
