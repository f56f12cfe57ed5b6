package jira_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/jira"
	"github.com/connectorgen/connectorgen/runtime"
)

// The JIRA connection declares basic auth (securityDefinitions
// "Authorization": basic) from the connection parameters username and
// password (the API token).
const (
	jiraUser  = "ada@contoso.com"
	jiraToken = "atl-api-token-0c9f"
)

// jiraRequest is one request the fake JIRA received.
type jiraRequest struct {
	Method, Path, RawQuery string
	Auth                   bool // basic auth with jiraUser / jiraToken
}

// jiraIssue is a FullIssue (#/definitions/FullIssue) as JIRA returns it.
func jiraIssue(id, key, summary, status, created string) map[string]any {
	return map[string]any{
		"id":   id,
		"key":  key,
		"self": "https://contoso.atlassian.net/rest/api/2/issue/" + id,
		"fields": map[string]any{
			"summary":   summary,
			"created":   created, // JIRA's own format: +0000 zone, no colon
			"status":    map[string]any{"id": "1", "name": status, "statusCategory": map[string]any{"id": 2, "key": "new", "name": "To Do"}},
			"project":   map[string]any{"id": "10000", "key": "PRJ", "name": "Project", "projectTypeKey": "software"},
			"issuetype": map[string]any{"id": "10001", "name": "Bug"},
			"timespent": nil,
		},
	}
}

// jiraFake serves the trigger operation at path, GET with the required
// query parameter param=want (as the swagger declares), with the polling
// protocol: no triggerState → 202 (baseline) with a relative Location;
// each later state answers from pages (state → issues, next state) with
// the Location absolute or relative in turn; the last state answers 202
// with an unchanged Location and closes idle.
type jiraFake struct {
	path, param, want string
	pages             map[string]jiraPage
	idleState         string

	mu   sync.Mutex
	reqs []jiraRequest
	once sync.Once
	idle chan struct{} // closed when the idle state was polled
}

type jiraPage struct {
	issues   []map[string]any
	next     string
	absolute bool // Location absolute (else relative)
}

func (f *jiraFake) location(r *http.Request, state string, absolute bool) string {
	q := url.Values{f.param: {f.want}, "triggerState": {state}}
	loc := f.path + "?" + q.Encode()
	if absolute {
		loc = "http://" + r.Host + loc
	}
	return loc
}

func (f *jiraFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	f.mu.Lock()
	f.reqs = append(f.reqs, jiraRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, ok && u == jiraUser && p == jiraToken})
	f.mu.Unlock()
	switch {
	case !ok || u != jiraUser || p != jiraToken:
		http.Error(w, "basic auth required", http.StatusUnauthorized)
		return
	case r.Method != http.MethodGet || r.URL.Path != f.path:
		http.Error(w, "no operation "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	if _, ok := q[f.param]; !ok || q.Get(f.param) != f.want {
		http.Error(w, fmt.Sprintf("%s = %q, want %q", f.param, q.Get(f.param), f.want), http.StatusBadRequest)
		return
	}
	state := q.Get("triggerState")
	switch page, ok := f.pages[state]; {
	case state == "":
		w.Header().Set("Location", f.location(r, "2024-05-01T10:00:00.000+0000", false))
		w.Header().Set("Retry-After", "0") // after a 202 the interval still wins
		w.WriteHeader(http.StatusAccepted)
	case state == f.idleState:
		w.Header().Set("Location", f.location(r, state, true))
		w.WriteHeader(http.StatusAccepted)
		f.once.Do(func() { close(f.idle) })
	case ok:
		w.Header().Set("Location", f.location(r, page.next, page.absolute))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page.issues)
	default:
		http.Error(w, "unknown triggerState "+state, http.StatusBadRequest)
	}
}

func (f *jiraFake) requests() []jiraRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]jiraRequest(nil), f.reqs...)
}

// checkPolls asserts the first len(want) requests exactly and that every
// later one repeats the last wanted (the idle Location).
func checkPolls(t *testing.T, got []jiraRequest, path string, want ...string) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("fake got %d requests, want at least %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		q := want[min(i, len(want)-1)]
		if r.Method != http.MethodGet || r.Path != path || r.RawQuery != q || !r.Auth {
			t.Errorf("poll %d = %+v, want GET %s?%s with basic auth", i+1, r, path, q)
		}
	}
}

func newJiraClient(t *testing.T, srv *httptest.Server) *jira.Client {
	t.Helper()
	c, err := jira.New(jira.Connection{Jirainstance: "contoso", Username: jiraUser, Password: jiraToken},
		runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPollOnNewIssue runs the batch polling trigger OnNewIssue (GET
// /new_issue_trigger/search?projectKey=..., which the connector's
// routerequesttoendpoint policy sends to /2/new_issue_trigger/search; 200
// schema a bare array of FullIssue) against a fake: the baseline 202 fires nothing, the two 200s
// fire one typed event per array item in order, every poll after the
// first goes to the previous Location (relative and absolute), with basic
// auth, and the stored cursor is the last Location.
func TestPollOnNewIssue(t *testing.T) {
	const path = "/2/new_issue_trigger/search" // routed by the connector's policy
	f := &jiraFake{
		path: path, param: "projectKey", want: "PRJ",
		pages: map[string]jiraPage{
			"2024-05-01T10:00:00.000+0000": {issues: []map[string]any{
				jiraIssue("10001", "PRJ-1", "Login fails", "Open", "2024-05-01T10:04:12.345+0000"),
				jiraIssue("10002", "PRJ-2", "Typo on home page", "In Progress", "2024-05-01T10:05:00.000+0000"),
			}, next: "2024-05-01T10:05:00.000+0000", absolute: true},
			"2024-05-01T10:05:00.000+0000": {issues: []map[string]any{
				jiraIssue("10003", "PRJ-3", "Crash on save", "Open", "2024-05-01T11:00:00.000+0000"),
			}, next: "2024-05-01T11:00:00.000+0000"},
		},
		idleState: "2024-05-01T11:00:00.000+0000",
		idle:      make(chan struct{}),
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newJiraClient(t, srv)

	store := runtime.NewMemoryStore()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := make(chan jira.FullIssue, 10)
	errc := make(chan error, 1)
	cfg := runtime.PollConfig{Subscription: "jira/PRJ/new", Interval: 5 * time.Millisecond, Jitter: -1}
	go func() {
		errc <- c.PollOnNewIssue(ctx, store, cfg, "PRJ", func(_ context.Context, ev jira.FullIssue) error {
			events <- ev
			return nil
		})
	}()

	var got []jira.FullIssue
	for len(got) < 3 {
		select {
		case ev := <-events:
			got = append(got, ev)
		case err := <-errc:
			t.Fatalf("PollOnNewIssue ended early: %v (events %+v)", err, got)
		case <-ctx.Done():
			t.Fatalf("got %d events before the deadline, want 3; requests %+v", len(got), f.requests())
		}
	}
	select {
	case <-f.idle:
	case <-ctx.Done():
		t.Fatalf("no poll of the last Location before the deadline; requests %+v", f.requests())
	}
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("PollOnNewIssue = %v, want context.Canceled", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("unexpected extra event %+v", ev)
	default:
	}

	type want struct{ id, key, summary, status, created string }
	wants := []want{
		{"10001", "PRJ-1", "Login fails", "Open", "2024-05-01T10:04:12.345+0000"},
		{"10002", "PRJ-2", "Typo on home page", "In Progress", "2024-05-01T10:05:00.000+0000"},
		{"10003", "PRJ-3", "Crash on save", "Open", "2024-05-01T11:00:00.000+0000"},
	}
	for i, w := range wants {
		ev := got[i]
		if ev.ID.V != w.id || ev.Key.V != w.key || ev.Fields == nil || ev.Fields.Summary.V != w.summary ||
			ev.Fields.Status == nil || ev.Fields.Status.Name.V != w.status || ev.Fields.Created.V != runtime.DateTime(w.created) ||
			ev.Fields.Project == nil || ev.Fields.Project.Key.V != "PRJ" || ev.Fields.Timespent.Set {
			t.Errorf("event %d = %+v (fields %+v), want %+v", i+1, ev, ev.Fields, w)
		}
	}
	if tm, err := got[0].Fields.Created.V.Time(); err != nil || !tm.Equal(time.Date(2024, 5, 1, 10, 4, 12, 345e6, time.UTC)) {
		t.Errorf("created of PRJ-1 parses as %v, %v", tm, err)
	}
	if got[0].Fields.Status.StatusCategory == nil || got[0].Fields.Status.StatusCategory.ID.V != 2 {
		t.Errorf("status category = %+v", got[0].Fields.Status.StatusCategory)
	}

	checkPolls(t, f.requests(), path,
		"projectKey=PRJ",
		"projectKey=PRJ&triggerState=2024-05-01T10%3A00%3A00.000%2B0000",
		"projectKey=PRJ&triggerState=2024-05-01T10%3A05%3A00.000%2B0000",
		"projectKey=PRJ&triggerState=2024-05-01T11%3A00%3A00.000%2B0000",
	)
	s, err := store.Subscription(context.Background(), "jira/PRJ/new")
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.PollCursor
	if err := json.Unmarshal(s.Cursor, &cur); err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + path + "?projectKey=PRJ&triggerState=2024-05-01T11%3A00%3A00.000%2B0000"; s.Kind != "polling" || cur.Next != want {
		t.Errorf("stored subscription kind %q, next %q; want polling, %q", s.Kind, cur.Next, want)
	}
	if p, err := store.Pending(context.Background(), "jira/PRJ/new", 10); err != nil || len(p) != 0 {
		t.Errorf("inbox after delivery = %v, %v; want empty", p, err)
	}
}

// TestPollOnNewIssueJQL runs OnNewIssueJQL, whose required query
// parameter jql has a default (so it is an option): the JQL text is sent
// encoded on the first poll only, the Location carries it on, and an
// empty array in a 200 fires nothing but moves the state.
func TestPollOnNewIssueJQL(t *testing.T) {
	const (
		path = "/2/new_issue_jql_trigger/search" // routed by the connector's policy
		jql  = `project = PRJ AND status = "To Do" ORDER BY created DESC`
	)
	f := &jiraFake{
		path: path, param: "jql", want: jql,
		pages: map[string]jiraPage{
			"2024-05-01T10:00:00.000+0000": {issues: []map[string]any{}, next: "s1"},
			"s1": {issues: []map[string]any{
				jiraIssue("20001", "PRJ-7", "Needs triage", "To Do", "2024-05-02T09:00:00.000+0000"),
			}, next: "s2", absolute: true},
		},
		idleState: "s2",
		idle:      make(chan struct{}),
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newJiraClient(t, srv)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := make(chan jira.FullIssue, 10)
	errc := make(chan error, 1)
	cfg := runtime.PollConfig{Subscription: "jira/jql", Interval: 5 * time.Millisecond, Jitter: -1}
	go func() {
		errc <- c.PollOnNewIssueJql(ctx, runtime.NewMemoryStore(), cfg, &jira.OnNewIssueJqlOptions{Jql: runtime.Some(jql)},
			func(_ context.Context, ev jira.FullIssue) error {
				events <- ev
				return nil
			})
	}()
	select {
	case ev := <-events:
		if ev.Key.V != "PRJ-7" || ev.Fields == nil || ev.Fields.Summary.V != "Needs triage" {
			t.Errorf("event = %+v", ev)
		}
	case err := <-errc:
		t.Fatalf("PollOnNewIssueJql ended early: %v", err)
	case <-ctx.Done():
		t.Fatalf("no event before the deadline; requests %+v", f.requests())
	}
	select {
	case <-f.idle:
	case <-ctx.Done():
		t.Fatalf("no poll of the last Location before the deadline; requests %+v", f.requests())
	}
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("PollOnNewIssueJql = %v, want context.Canceled", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("unexpected extra event %+v", ev)
	default:
	}
	q := url.Values{"jql": {jql}}.Encode()
	checkPolls(t, f.requests(), path,
		q,
		q+"&triggerState=2024-05-01T10%3A00%3A00.000%2B0000",
		q+"&triggerState=s1",
		q+"&triggerState=s2",
	)
}
