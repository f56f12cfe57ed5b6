package runtime

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// featheryOp mirrors Feathery Forms' FormCompletion trigger and its
// pollingtrigger policy (corpus apiProperties.json): state in
// last_requested_at, items in results.
var featheryOp = &Operation{
	ID: "FormCompletion", Method: "GET", Path: "/trigger/power-automate/poll/form_completion/",
	Params: []Param{
		{Name: "form_key", In: InQuery, Required: true},
		{Name: "last_requested_at", In: InQuery, Internal: true},
	},
	PollingTrigger: &PollingTrigger{Config: []TriggerConfig{
		{Param: "last_requested_at", Expr: "@{triggerBody().requested_at}"},
	}},
}

var featherySplit = SplitRule{Batch: true, Path: []string{"results"}}

func TestPollingTriggerPolicyStateAcrossPolls(t *testing.T) {
	bodies := []string{
		// Baseline: pre-existing data never fires.
		`{"requested_at":"T1","results":[{"id":"old"}]}`,
		// Nothing new: the state stays, even though requested_at moved.
		`{"requested_at":"T2","results":[]}`,
		`{"requested_at":"T3","results":[{"id":"a"},{"id":"b"}]}`,
		`{"requested_at":"T4","results":[{"id":"c"}]}`,
	}
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(bodies[n-1]))
	})
	c := newTestClient(t, s, WithAuth(Bearer("tok")))
	ctx := context.Background()
	args := []Arg{String("form-1")}

	type step struct {
		fired  bool
		events []string
		state  string // last_requested_at of Next, "" = absent
	}
	want := []step{
		{false, nil, "T1"},
		{false, nil, "T1"},
		{true, []string{`{"id":"a"}`, `{"id":"b"}`}, "T3"},
		{true, []string{`{"id":"c"}`}, "T4"},
	}
	next := ""
	for i, w := range want {
		o, err := c.Poll(ctx, featheryOp, args, next, featherySplit)
		if err != nil {
			t.Fatalf("poll %d: %v", i+1, err)
		}
		if o.Fired != w.fired || !sameStrings(eventTexts(o.Events), w.events) {
			t.Errorf("poll %d: fired %v events %q, want %v %q", i+1, o.Fired, eventTexts(o.Events), w.fired, w.events)
		}
		u, err := url.Parse(o.Next)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Query().Get("last_requested_at"); got != w.state {
			t.Errorf("poll %d: Next %q carries state %q, want %q", i+1, o.Next, got, w.state)
		}
		if u.Query().Get("form_key") != "form-1" {
			t.Errorf("poll %d: Next %q lost the trigger's own query", i+1, o.Next)
		}
		next = o.Next
	}
	// The backend is called without the /trigger segment, and every poll
	// after the first sends the state computed from the previous answer.
	wantQuery := []string{"form_key=form-1", "form_key=form-1&last_requested_at=T1", "form_key=form-1&last_requested_at=T1", "form_key=form-1&last_requested_at=T3"}
	for i, r := range s.requests() {
		if r.Method != "GET" || r.Path != "/base/power-automate/poll/form_completion/" {
			t.Errorf("request %d: %s %s, want GET /base/power-automate/poll/form_completion/", i+1, r.Method, r.Path)
		}
		if r.RawQuery != wantQuery[i] {
			t.Errorf("request %d: query %q, want %q", i+1, r.RawQuery, wantQuery[i])
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("request %d: no credentials", i+1)
		}
	}
}

// graphOp mirrors MicrosoftGraphSecurity's OnAllNewAlerts: the state is an
// OData filter over the newest item (protocol §3.7).
var graphOp = &Operation{
	ID: "OnAllNewAlerts", Method: "GET", Path: "/trigger/v1.0/security/alerts",
	Params: []Param{{Name: "$filter", In: InQuery, Internal: true}},
	PollingTrigger: &PollingTrigger{Config: []TriggerConfig{
		{Param: "$filter", Expr: "lastModifiedDateTime gt @{triggerBody().value[0].lastModifiedDateTime}"},
	}},
}

// A baseline taken on an empty array cannot compute the state: the next
// polls ask without it, so the first alerts that appear are delivered, not
// swallowed by a second baseline.
func TestPollingTriggerPolicyEmptyBaseline(t *testing.T) {
	bodies := []string{
		`{"value":[]}`,
		`{"value":[{"id":"n1","lastModifiedDateTime":"2024-05-01T10:00:00Z"}]}`,
	}
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Write([]byte(bodies[n-1]))
	})
	c := newTestClient(t, s)
	ctx := context.Background()
	o, err := c.Poll(ctx, graphOp, nil, "", batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if o.Fired || o.Next != s.URL+"/base/v1.0/security/alerts" {
		t.Fatalf("baseline: fired %v Next %q, want no fire and the plain URL", o.Fired, o.Next)
	}
	o, err = c.Poll(ctx, graphOp, nil, o.Next, batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Fired || len(o.Events) != 1 {
		t.Fatalf("after baseline: fired %v events %q, want the new alert", o.Fired, eventTexts(o.Events))
	}
	u, _ := url.Parse(o.Next)
	if got, want := u.Query().Get("$filter"), "lastModifiedDateTime gt 2024-05-01T10:00:00Z"; got != want {
		t.Fatalf("$filter = %q, want %q", got, want)
	}
}

// Items whose state cannot be computed are not fired: the poll fails, Next
// stays, and the same window is read again once the backend is fixed.
func TestPollingTriggerPolicyStateError(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Write([]byte(`{"value":[{"id":"no-date"}]}`))
	})
	c := newTestClient(t, s)
	prev := s.URL + "/v1.0/security/alerts?%24filter=lastModifiedDateTime+gt+X"
	o, err := c.Poll(context.Background(), graphOp, nil, prev, batchValue)
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "$filter") {
		t.Fatalf("err = %v, want a DecodeError naming $filter", err)
	}
	if o.Fired || o.Next != prev {
		t.Fatalf("fired %v Next %q, want no fire and Next = %q", o.Fired, o.Next, prev)
	}
}

// A backend that speaks the 202 protocol itself keeps working under the
// policy: 202 is "nothing new", its Location is followed.
func TestPollingTriggerPolicyBackend202(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Location", "/v1.0/security/alerts?state=7")
		w.WriteHeader(http.StatusAccepted)
	})
	c := newTestClient(t, s)
	o, err := c.Poll(context.Background(), graphOp, nil, "", batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if o.Fired || o.Next != s.URL+"/v1.0/security/alerts?state=7" {
		t.Fatalf("fired %v Next %q", o.Fired, o.Next)
	}
}

func TestStripTriggerPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"/trigger/v1.0/alerts": "/v1.0/alerts",
		"/Trigger/x":           "/x",
		"/trigger":             "/",
		"/triggers/x":          "/triggers/x",
		"/v1/trigger/x":        "/v1/trigger/x",
		"/tri":                 "/tri",
	} {
		op := &Operation{Path: in}
		if got := stripTriggerPrefix(op).Path; got != want {
			t.Errorf("stripTriggerPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

// valueOp has an x-ms-trigger-value parameter as iMIS declares it
// ({"value-collection": "value", "value-path": "seqn"}).
var valueOp = &Operation{
	ID: "OnNewRows", Method: "GET", Path: "/rows",
	Params: []Param{
		{Name: "after", In: InQuery, Internal: true, TriggerValue: &TriggerValue{Collection: "value", Path: "seqn"}},
		{Name: "kind", In: InQuery},
	},
}

func TestTriggerValue(t *testing.T) {
	for _, tc := range []struct {
		name, location, body string
		want                 string // "after" of Next; "-" = Next unchanged
	}{
		{"ascending numbers", "", `{"value":[{"seqn":5},{"seqn":9},{"seqn":12}]}`, "12"},
		{"descending numbers", "", `{"value":[{"seqn":12},{"seqn":9},{"seqn":5}]}`, "12"},
		{"numbers beyond float64 precision", "", `{"value":[{"seqn":9007199254740993},{"seqn":9007199254740992}]}`, "9007199254740993"},
		{"strings", "", `{"value":[{"seqn":"2024-05-02"},{"seqn":"2024-05-01"}]}`, "2024-05-02"},
		{"mixed types take the last item", "", `{"value":[{"seqn":"b"},{"seqn":3}]}`, "3"},
		{"items without the value are skipped", "", `{"value":[{"seqn":4},{"other":1}]}`, "4"},
		{"no items: unchanged", "", `{"value":[]}`, "-"},
		{"overrides the Location's value", "/rows?kind=x&after=1", `{"value":[{"seqn":8}]}`, "8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.location != "" {
					w.Header().Set("Location", tc.location)
				}
				w.Write([]byte(tc.body))
			})
			c := newTestClient(t, s)
			prev := s.URL + "/rows?after=0&kind=x"
			o, err := c.Poll(context.Background(), valueOp, nil, prev, batchValue)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "-" {
				if o.Next != prev {
					t.Fatalf("Next = %q, want unchanged %q", o.Next, prev)
				}
				return
			}
			u, _ := url.Parse(o.Next)
			if got := u.Query().Get("after"); got != tc.want {
				t.Fatalf("Next %q: after = %q, want %q", o.Next, got, tc.want)
			}
			if u.Query().Get("kind") != "x" {
				t.Fatalf("Next %q lost kind", o.Next)
			}
		})
	}
}

// RunPolling with a policy trigger: the baseline is taken once, the
// state lives in the stored cursor, and only items after the baseline
// reach the handler.
func TestRunPollingPolicyTrigger(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		since := r.URL.Query().Get("last_requested_at")
		switch {
		case since == "":
			w.Write([]byte(`{"requested_at":"1","results":[{"id":"pre-existing"}]}`))
		case since == "1":
			w.Write([]byte(`{"requested_at":"2","results":[{"id":"new-1"},{"id":"new-2"}]}`))
		default:
			w.Write([]byte(`{"requested_at":"3","results":[]}`))
		}
	})
	c := newTestClient(t, s)
	store := NewMemoryStore()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	err := c.RunPolling(ctx, store, PollConfig{
		Subscription: "s1", Operation: featheryOp, Args: []Arg{String("f")}, Split: featherySplit,
		Interval: time.Millisecond, Jitter: -1,
	}, func(ctx context.Context, ev Event) error {
		got = append(got, string(ev.Payload))
		if len(got) == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunPolling: %v", err)
	}
	if !sameStrings(got, []string{`{"id":"new-1"}`, `{"id":"new-2"}`}) {
		t.Fatalf("handled %q, want only the items after the baseline", got)
	}
	sub, err := store.Subscription(context.Background(), "s1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sub.Cursor), "last_requested_at=2") {
		t.Fatalf("cursor %s does not hold the state of the last fired poll", sub.Cursor)
	}
}
