package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// pollOp is a GET polling trigger with a query, a header and an internal
// query parameter.
var pollOp = &Operation{
	ID: "OnNewItems", Method: "GET", Path: "/trigger/items",
	Params: []Param{
		{Name: "folder", In: InQuery, Required: true},
		{Name: "X-Tenant", In: InHeader, Required: true},
		{Name: "api-version", In: InQuery, Internal: true, HasDefault: true, Default: "2"},
	},
}

var pollArgs = []Arg{String("inbox"), String("t1")}

var batchValue = SplitRule{Batch: true, Path: []string{"value"}}

func eventTexts(evs []json.RawMessage) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e)
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPoll202Then200(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			w.Header().Set("Location", "/trigger/items?folder=inbox&triggerState=10")
			w.Header().Set("Retry-After", "15")
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"value":[{"id":"ignored"}]}`))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"value":[{"id":"17"},{"id":"18"}]}`))
		}
	})
	c := newTestClient(t, s)
	ctx := context.Background()

	o, err := c.Poll(ctx, pollOp, pollArgs, "", batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != 202 || o.Fired || o.Events != nil {
		t.Fatalf("202: got status %d fired %v events %q", o.Status, o.Fired, eventTexts(o.Events))
	}
	if want := s.URL + "/trigger/items?folder=inbox&triggerState=10"; o.Next != want {
		t.Fatalf("202: Next = %q, want %q", o.Next, want)
	}
	if o.RetryAfter != 15*time.Second {
		t.Fatalf("202: RetryAfter = %v", o.RetryAfter)
	}
	if o.Header.Get("Retry-After") != "15" {
		t.Fatalf("202: Header = %v", o.Header)
	}

	o, err = c.Poll(ctx, pollOp, pollArgs, o.Next, batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != 200 || !o.Fired {
		t.Fatalf("200: got status %d fired %v", o.Status, o.Fired)
	}
	if got, want := eventTexts(o.Events), []string{`{"id":"17"}`, `{"id":"18"}`}; !sameStrings(got, want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
	if want := s.URL + "/trigger/items?folder=inbox&triggerState=10"; o.Next != want {
		t.Fatalf("200 without Location: Next = %q, want %q", o.Next, want)
	}
	if o.RetryAfter != 0 {
		t.Fatalf("200: RetryAfter = %v, want 0", o.RetryAfter)
	}
	reqs := s.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].Path != "/base/trigger/items" || reqs[0].RawQuery != "folder=inbox&api-version=2" {
		t.Fatalf("first poll sent %s?%s", reqs[0].Path, reqs[0].RawQuery)
	}
}

func TestPollLocation(t *testing.T) {
	var absLocation string
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			w.Header().Set("Location", "/items?state=2")
			w.WriteHeader(http.StatusAccepted)
		case 2:
			w.Header().Set("Location", absLocation)
			w.Write([]byte(`{"value":[{"id":"a"}]}`))
		default:
			w.WriteHeader(http.StatusAccepted) // no Location: state kept
		}
	})
	absLocation = s.URL + "/other/items%2Fx?state=3&t=2024-05-01T10%3A00%3A00.000Z"
	auth := Chain(Bearer("tok-123"), APIKey(InQuery, "code", "key-456"))
	c := newTestClient(t, s, WithAuth(auth))
	ctx := context.Background()

	o1, err := c.Poll(ctx, pollOp, pollArgs, "", batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.URL + "/items?state=2"; o1.Next != want {
		t.Fatalf("relative Location: Next = %q, want %q", o1.Next, want)
	}
	// Path and query arguments are not needed for a Location poll.
	o2, err := c.Poll(ctx, pollOp, []Arg{{}, String("t1")}, o1.Next, batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if !o2.Fired || len(o2.Events) != 1 || string(o2.Events[0]) != `{"id":"a"}` {
		t.Fatalf("second poll: fired %v events %q", o2.Fired, eventTexts(o2.Events))
	}
	if o2.Next != absLocation {
		t.Fatalf("absolute Location: Next = %q, want %q", o2.Next, absLocation)
	}
	o3, err := c.Poll(ctx, pollOp, pollArgs, o2.Next, batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if o3.Fired || o3.Next != absLocation {
		t.Fatalf("third poll: fired %v Next %q, want %q", o3.Fired, o3.Next, absLocation)
	}
	o4, err := c.Poll(ctx, pollOp, pollArgs, o3.Next, batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if o4.Next != absLocation {
		t.Fatalf("fourth poll: Next %q", o4.Next)
	}

	reqs := s.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := []struct{ path, query string }{
		{"/base/trigger/items", "folder=inbox&api-version=2&code=key-456"},
		{"/items", "state=2&code=key-456"},
		{"/other/items%2Fx", "state=3&t=2024-05-01T10%3A00%3A00.000Z&code=key-456"},
		{"/other/items%2Fx", "state=3&t=2024-05-01T10%3A00%3A00.000Z&code=key-456"},
	}
	for i, r := range reqs {
		if r.Method != "GET" || r.Path != want[i].path || r.RawQuery != want[i].query {
			t.Errorf("poll %d sent %s %s?%s, want GET %s?%s", i+1, r.Method, r.Path, r.RawQuery, want[i].path, want[i].query)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer tok-123" {
			t.Errorf("poll %d: Authorization = %q", i+1, got)
		}
		if got := r.Header.Get("X-Tenant"); got != "t1" {
			t.Errorf("poll %d: X-Tenant = %q", i+1, got)
		}
		if got := r.Header.Get("User-Agent"); got != "connectorgen" {
			t.Errorf("poll %d: User-Agent = %q", i+1, got)
		}
	}
	for _, o := range []PollOutcome{o1, o2, o3, o4} {
		if strings.Contains(o.Next, "key-456") {
			t.Errorf("Next %q carries the API key", o.Next)
		}
	}
}

func TestPollNoLocationKeepsURL(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusAccepted)
	})
	c := newTestClient(t, s, WithAuth(APIKey(InQuery, "code", "key-456")))
	o, err := c.Poll(context.Background(), pollOp, pollArgs, "", SplitRule{})
	if err != nil {
		t.Fatal(err)
	}
	if want := s.URL + "/base/trigger/items?folder=inbox&api-version=2"; o.Next != want {
		t.Fatalf("Next = %q, want %q", o.Next, want)
	}
	stored := s.URL + "/base/trigger/items?folder=inbox&triggerState=2024-05-01T10%3A00%3A00.000Z"
	o, err = c.Poll(context.Background(), pollOp, pollArgs, stored, SplitRule{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Next != stored {
		t.Fatalf("Next = %q, want %q", o.Next, stored)
	}
	reqs := s.requests()
	if got := reqs[1].Path + "?" + reqs[1].RawQuery; got != "/base/trigger/items?folder=inbox&triggerState=2024-05-01T10%3A00%3A00.000Z&code=key-456" {
		t.Fatalf("second poll sent %s", got)
	}
}

func TestPollLocationResolution(t *testing.T) {
	tests := []struct {
		location string
		want     string // after the server URL
	}{
		{"/items?state=2", "/items?state=2"},
		{"items2?x=1", "/base/trigger/items2?x=1"},
		{"?triggerState=9", "/base/trigger/items?triggerState=9"},
		{"../up?s=1", "/base/up?s=1"},
		{"  /spaced?s=1  ", "/spaced?s=1"},
	}
	for _, tt := range tests {
		s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Location", tt.location)
			w.WriteHeader(http.StatusAccepted)
		})
		c := newTestClient(t, s)
		o, err := c.Poll(context.Background(), pollOp, pollArgs, "", SplitRule{})
		if err != nil {
			t.Fatalf("%q: %v", tt.location, err)
		}
		if o.Next != s.URL+tt.want {
			t.Errorf("Location %q: Next = %q, want %q", tt.location, o.Next, s.URL+tt.want)
		}
	}
}

func TestPollLocationAfterRedirect(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/base/trigger/items" {
			http.Redirect(w, r, "/moved/here/items?folder=inbox", http.StatusFound)
			return
		}
		w.Header().Set("Location", "next?s=1")
		w.WriteHeader(http.StatusAccepted)
	})
	c := newTestClient(t, s)
	o, err := c.Poll(context.Background(), pollOp, pollArgs, "", SplitRule{})
	if err != nil {
		t.Fatal(err)
	}
	if want := s.URL + "/moved/here/next?s=1"; o.Next != want {
		t.Fatalf("Next = %q, want %q", o.Next, want)
	}
}

func TestPollInvalidLocation(t *testing.T) {
	for _, loc := range []string{"ftp://example.com/x", "http://user:pw@example.com/x", "http://[::1"} {
		s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Location", loc)
			w.Write([]byte(`{"id":1}`))
		})
		c := newTestClient(t, s)
		o, err := c.Poll(context.Background(), pollOp, pollArgs, "", SplitRule{})
		if err == nil {
			t.Fatalf("Location %q: no error", loc)
		}
		if o.Fired || o.Status != 200 {
			t.Errorf("Location %q: fired %v status %d", loc, o.Fired, o.Status)
		}
		if want := s.URL + "/base/trigger/items?folder=inbox&api-version=2"; o.Next != want {
			t.Errorf("Location %q: Next = %q, want the URL used %q", loc, o.Next, want)
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error shows user information: %v", err)
		}
	}
}

func TestPollInvalidNext(t *testing.T) {
	s := newTestServer(t, nil)
	c := newTestClient(t, s)
	for _, next := range []string{"/relative?x=1", "mailto:a@example.com", "https://u:p@example.com/"} {
		o, err := c.Poll(context.Background(), pollOp, pollArgs, next, SplitRule{})
		if err == nil {
			t.Errorf("next %q: no error", next)
		}
		if o.Next != next {
			t.Errorf("next %q: Next = %q", next, o.Next)
		}
	}
	if s.count() != 0 {
		t.Fatalf("%d requests sent", s.count())
	}
}

func TestPollPOSTResendsBody(t *testing.T) {
	op := &Operation{
		ID: "OnNewRows", Method: "POST", Path: "/trigger/query",
		Body: BodyJSON,
		Params: []Param{
			{Name: "table", In: InQuery, Required: true},
			{Name: "filter", In: InBody, Required: true},
			{Name: "X-Mode", In: InHeader, HasDefault: true, Default: "fast"},
		},
		BodyDefault: json.RawMessage(`{"top":10}`),
	}
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Location", "/trigger/query?table=t&triggerState=5")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Write([]byte(`[{"row":1}]`))
	})
	c := newTestClient(t, s, WithAuth(Bearer("tok-123")))
	args := []Arg{String("t"), RawJSON([]byte(`{"where":"x>1"}`))}
	o, err := c.Poll(context.Background(), op, args, "", SplitRule{Batch: true})
	if err != nil {
		t.Fatal(err)
	}
	o, err = c.Poll(context.Background(), op, args, o.Next, SplitRule{Batch: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventTexts(o.Events); !sameStrings(got, []string{`{"row":1}`}) {
		t.Fatalf("events %q", got)
	}
	reqs := s.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[1]
	if r.Method != "POST" || r.Path+"?"+r.RawQuery != "/trigger/query?table=t&triggerState=5" {
		t.Fatalf("Location poll sent %s %s?%s", r.Method, r.Path, r.RawQuery)
	}
	if string(r.Body) != string(reqs[0].Body) || string(r.Body) != `{"top":10,"where":"x\u003e1"}` {
		t.Fatalf("Location poll body %q, first poll body %q", r.Body, reqs[0].Body)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Mode") != "fast" || r.Header.Get("Authorization") != "Bearer tok-123" {
		t.Fatalf("Location poll headers %v", r.Header)
	}
}

func TestPollNoAuth(t *testing.T) {
	op := *pollOp
	op.NoAuth = true
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusAccepted) })
	c := newTestClient(t, s, WithAuth(Bearer("tok-123")))
	if _, err := c.Poll(context.Background(), &op, pollArgs, s.URL+"/x?s=1", SplitRule{}); err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[0].Header.Get("Authorization"); got != "" {
		t.Fatalf("Authorization %q sent for a NoAuth operation", got)
	}
}

func TestPollRetryAfter(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		header   string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"120", 120 * time.Second, 120 * time.Second},
		{"0", 0, 0},
		{date, 88 * time.Second, 90 * time.Second},
		{"Mon, 01 Jan 2001 00:00:00 GMT", 0, 0},
		{"soon", 0, 0},
		{"-5", 0, 0},
	}
	for _, tt := range tests {
		for _, code := range []int{200, 202} {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(code)
				w.Write([]byte(`{}`))
			})
			c := newTestClient(t, s)
			o, err := c.Poll(context.Background(), pollOp, pollArgs, "", SplitRule{})
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != code || o.RetryAfter < tt.min || o.RetryAfter > tt.max {
				t.Errorf("%d Retry-After %q: status %d RetryAfter %v, want in [%v, %v]", code, tt.header, o.Status, o.RetryAfter, tt.min, tt.max)
			}
		}
	}
}

func TestNextPollDelay(t *testing.T) {
	ra := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	const interval = 30 * time.Second
	tests := []struct {
		name string
		o    PollOutcome
		want time.Duration
	}{
		{"200 RA 10s < interval", PollOutcome{Status: 200, Fired: true, RetryAfter: 10 * time.Second, Header: ra("10")}, 10 * time.Second},
		{"200 RA 90s > interval", PollOutcome{Status: 200, Fired: true, RetryAfter: 90 * time.Second, Header: ra("90")}, 90 * time.Second},
		{"200 without RA", PollOutcome{Status: 200, Fired: true, Header: http.Header{}}, interval},
		{"200 RA 0", PollOutcome{Status: 200, Fired: true, Header: ra("0")}, 0},
		{"200 RA date in the past", PollOutcome{Status: 200, Fired: true, Header: ra("Mon, 01 Jan 2001 00:00:00 GMT")}, 0},
		{"200 invalid RA", PollOutcome{Status: 200, Fired: true, Header: ra("soon")}, interval},
		{"202 RA 60s > interval", PollOutcome{Status: 202, RetryAfter: 60 * time.Second, Header: ra("60")}, 60 * time.Second},
		{"202 RA 5s < interval", PollOutcome{Status: 202, RetryAfter: 5 * time.Second, Header: ra("5")}, interval},
		{"202 RA 0", PollOutcome{Status: 202, Header: ra("0")}, interval},
		{"202 without RA", PollOutcome{Status: 202}, interval},
		{"RetryAfter field without header", PollOutcome{Status: 200, RetryAfter: 3 * time.Second}, 3 * time.Second},
		{"error 503 RA 120s", PollOutcome{Status: 503, RetryAfter: 120 * time.Second, Header: ra("120")}, 120 * time.Second},
		{"error 500 without RA", PollOutcome{Status: 500}, interval},
	}
	for _, tt := range tests {
		if got := NextPollDelay(tt.o, interval); got != tt.want {
			t.Errorf("%s: NextPollDelay = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := NextPollDelay(PollOutcome{Status: 202}, -time.Second); got != 0 {
		t.Errorf("negative interval: %v", got)
	}
}

func TestPollSplit(t *testing.T) {
	tests := []struct {
		name string
		rule SplitRule
		body string
		want []string
	}{
		{"single object", SplitRule{}, `{"id":1,"tags":["a","b"]}` + "\n", []string{`{"id":1,"tags":["a","b"]}`}},
		{"single array stays one event", SplitRule{}, `[1,2]`, []string{`[1,2]`}},
		{"single ignores Path", SplitRule{Path: []string{"value"}}, `{"value":[1,2]}`, []string{`{"value":[1,2]}`}},
		{"single empty body", SplitRule{}, ``, []string{}},
		{"batch body array", SplitRule{Batch: true}, `[{"a":1}, {"a":2}]`, []string{`{"a":1}`, `{"a":2}`}},
		{"batch Path value", batchValue, `{"value":[{"a":1},{"a":2},3],"next":"x"}`, []string{`{"a":1}`, `{"a":2}`, `3`}},
		{"batch nested Path", SplitRule{Batch: true, Path: []string{"d", "results"}}, `{"d":{"results":[{"a":1}]}}`, []string{`{"a":1}`}},
		{"batch nil Path, value array", SplitRule{Batch: true}, `{"value":[{"a":1},{"a":2}],"other":[9]}`, []string{`{"a":1}`, `{"a":2}`}},
		{"batch empty Path is nil", SplitRule{Batch: true, Path: []string{}}, `{"value":[1]}`, []string{`1`}},
		{"batch nil Path, single array property", SplitRule{Batch: true}, `{"items":[{"a":1},{"a":2}],"count":2}`, []string{`{"a":1}`, `{"a":2}`}},
		{"batch nil Path, value not an array", SplitRule{Batch: true}, `{"value":"x","items":[1]}`, []string{`1`}},
		{"batch nil Path, two array properties", SplitRule{Batch: true}, `{"a":[1],"b":[2]}`, []string{`{"a":[1],"b":[2]}`}},
		{"batch nil Path, no array", SplitRule{Batch: true}, `{"a":1}`, []string{`{"a":1}`}},
		{"batch nil Path, scalar", SplitRule{Batch: true}, `"text"`, []string{`"text"`}},
		{"batch empty array", SplitRule{Batch: true}, `[]`, []string{}},
		{"batch Path value, empty array", batchValue, `{"value":[]}`, []string{}},
		{"batch empty body", batchValue, ``, []string{}},
		{"batch null body", batchValue, `null`, []string{}},
	}
	for _, tt := range tests {
		s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Location", "/next")
			w.Write([]byte(tt.body))
		})
		c := newTestClient(t, s)
		o, err := c.Poll(context.Background(), pollOp, pollArgs, "", tt.rule)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !o.Fired || o.Status != 200 || o.Next != s.URL+"/next" {
			t.Errorf("%s: fired %v status %d Next %q", tt.name, o.Fired, o.Status, o.Next)
		}
		if got := eventTexts(o.Events); !sameStrings(got, tt.want) {
			t.Errorf("%s: events %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPollSplitErrors(t *testing.T) {
	tests := []struct {
		name string
		rule SplitRule
		body string
	}{
		{"Path missing", batchValue, `{"items":[1]}`},
		{"Path null", batchValue, `{"value":null}`},
		{"Path not an array", batchValue, `{"value":{"a":1}}`},
		{"Path through a non-object", SplitRule{Batch: true, Path: []string{"d", "results"}}, `{"d":[1]}`},
		{"invalid JSON, batch", SplitRule{Batch: true}, `{"value":[`},
		{"invalid JSON, single", SplitRule{}, `not json`},
	}
	for _, tt := range tests {
		s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Location", "/next")
			w.Write([]byte(tt.body))
		})
		c := newTestClient(t, s)
		o, err := c.Poll(context.Background(), pollOp, pollArgs, "", tt.rule)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: error %v, want *DecodeError", tt.name, err)
			continue
		}
		if de.StatusCode != 200 || string(de.Body) != tt.body || de.OperationID != "OnNewItems" {
			t.Errorf("%s: DecodeError %+v", tt.name, de)
		}
		if o.Fired || o.Events != nil {
			t.Errorf("%s: fired %v events %q", tt.name, o.Fired, eventTexts(o.Events))
		}
		if want := s.URL + "/base/trigger/items?folder=inbox&api-version=2"; o.Next != want {
			t.Errorf("%s: Next = %q, want the URL used %q", tt.name, o.Next, want)
		}
	}
}

func TestPollErrorStatus(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		policy   RetryPolicy
		attempts int
	}{
		{"500 without retries", 500, RetryPolicy{}, 1},
		{"500 after 2 retries", 500, RetryPolicy{MaxRetries: 2}, 3},
		{"404 not retried", 404, RetryPolicy{MaxRetries: 2}, 1},
		{"204 is not a poll answer", 204, RetryPolicy{}, 1},
		{"201 is not a poll answer", 201, RetryPolicy{}, 1},
	}
	for _, tt := range tests {
		s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Location", "/should-not-be-followed")
			w.WriteHeader(tt.code)
			if tt.code != 204 {
				w.Write([]byte(`{"error":"boom"}`))
			}
		})
		c := newTestClient(t, s, WithRetry(tt.policy))
		o, err := c.Poll(context.Background(), pollOp, pollArgs, "", batchValue)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want *Error", tt.name, err)
			continue
		}
		wantBody := `{"error":"boom"}`
		if tt.code == 204 {
			wantBody = ""
		}
		if e.StatusCode != tt.code || e.OperationID != "OnNewItems" || string(e.Body) != wantBody {
			t.Errorf("%s: Error status %d op %q body %q", tt.name, e.StatusCode, e.OperationID, e.Body)
		}
		if o.Status != tt.code || o.Fired || o.Events != nil || o.Header.Get("Location") != "/should-not-be-followed" {
			t.Errorf("%s: outcome %+v", tt.name, o)
		}
		if want := s.URL + "/base/trigger/items?folder=inbox&api-version=2"; o.Next != want {
			t.Errorf("%s: Next = %q, want the URL used %q", tt.name, o.Next, want)
		}
		if s.count() != tt.attempts {
			t.Errorf("%s: %d attempts, want %d", tt.name, s.count(), tt.attempts)
		}
	}
}

func TestPoll429RetryAfter(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{"value":[{"id":1}]}`))
	})
	// BaseDelay 0: any wait comes from Retry-After.
	c := newTestClient(t, s, WithRetry(RetryPolicy{MaxRetries: 2}))
	o, err := c.Poll(context.Background(), pollOp, pollArgs, "", batchValue)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Fired || len(o.Events) != 1 || string(o.Events[0]) != `{"id":1}` {
		t.Fatalf("fired %v events %q", o.Fired, eventTexts(o.Events))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("%d attempts, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Fatalf("retry after %v, want >= 1s (Retry-After: 1)", gap)
	}

	// Retry-After beyond MaxDelay: not retried, returned as *Error with RetryAfter.
	s2 := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c2 := newTestClient(t, s2, WithRetry(RetryPolicy{MaxRetries: 2, MaxDelay: time.Second}))
	o, err = c2.Poll(context.Background(), pollOp, pollArgs, "", batchValue)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 429 {
		t.Fatalf("error %v, want *Error 429", err)
	}
	if s2.count() != 1 || o.Status != 429 || o.RetryAfter != 600*time.Second {
		t.Fatalf("%d attempts, outcome status %d RetryAfter %v", s2.count(), o.Status, o.RetryAfter)
	}
	if d := NextPollDelay(o, time.Minute); d != 600*time.Second {
		t.Fatalf("NextPollDelay after 429 = %v", d)
	}
}

func TestPollMissingParameter(t *testing.T) {
	s := newTestServer(t, nil)
	c := newTestClient(t, s)
	// First poll: the required query parameter is missing.
	if _, err := c.Poll(context.Background(), pollOp, []Arg{{}, String("t1")}, "", SplitRule{}); !errors.Is(err, ErrMissingParameter) {
		t.Fatalf("first poll: %v, want ErrMissingParameter", err)
	}
	// Location poll: the required header is still needed.
	if _, err := c.Poll(context.Background(), pollOp, []Arg{String("inbox")}, s.URL+"/x", SplitRule{}); !errors.Is(err, ErrMissingParameter) {
		t.Fatalf("Location poll: %v, want ErrMissingParameter", err)
	}
	if s.count() != 0 {
		t.Fatalf("%d requests sent", s.count())
	}
}
