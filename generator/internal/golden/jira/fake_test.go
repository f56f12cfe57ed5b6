package jira_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/jira"
	"github.com/connectorgen/connectorgen/generator/internal/golden/jira/fake"
	"github.com/connectorgen/connectorgen/runtime"
)

// TestFake drives the generated JIRA client against the generated fake:
// actions routed by the connector's routerequesttoendpoint policies
// (/issue → /2/issue; the fake plays the backend), a typed body and path
// parameter, and the batch polling trigger OnNewIssue (a bare array):
// 202 with a Location while nothing is queued, then 200 with the queued
// issues split into typed events.
func TestFake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := fake.New()
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newJiraClient(t, srv)

	var created fake.CreateIssueRequest
	f.HandleCreateIssue(func(_ context.Context, req fake.CreateIssueRequest) (*jira.CreateIssueResponse, error) {
		created = req
		return &jira.CreateIssueResponse{ID: runtime.Some("10001"), Key: runtime.Some("PRJ-1")}, nil
	})
	res, err := c.CreateIssue(ctx, "PRJ", jira.CreateIssueRequest{Fields: &jira.CreateIssueRequestFields{Summary: "Login fails"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Key.V != "PRJ-1" || created.ProjectKey != "PRJ" || created.Body.Fields == nil || created.Body.Fields.Summary != "Login fails" {
		t.Errorf("CreateIssue = %+v; fake received %+v", res, created)
	}
	if created.HTTP.URL.Path != "/2/issue" {
		t.Errorf("CreateIssue went to %s, want the routed /2/issue", created.HTTP.URL.Path)
	}
	f.HandleGetIssue(func(_ context.Context, req fake.GetIssueRequest) (*jira.FullIssue, error) {
		return &jira.FullIssue{ID: runtime.Some("10001"), Key: runtime.Some(req.IssueKey)}, nil
	})
	if got, err := c.GetIssue(ctx, "PRJ 1/a"); err != nil || got.Key.V != "PRJ 1/a" {
		t.Errorf("GetIssue = %+v, %v (the path parameter is escaped and decoded)", got, err)
	}

	// Polling trigger: nothing queued → 202; queued issues → one 200.
	events := make(chan jira.FullIssue, 10)
	errc := make(chan error, 1)
	store := runtime.NewMemoryStore()
	cfg := runtime.PollConfig{Subscription: "jira/PRJ/new", Interval: 5 * time.Millisecond, Jitter: -1}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		errc <- c.PollOnNewIssue(pctx, store, cfg, "PRJ", func(_ context.Context, ev jira.FullIssue) error {
			events <- ev
			return nil
		})
	}()
	for f.Polls("OnNewIssue") < 2 { // two empty polls: 202s
		select {
		case err := <-errc:
			t.Fatalf("PollOnNewIssue ended: %v", err)
		case <-ctx.Done():
			t.Fatal("no polls before the deadline")
		case <-time.After(time.Millisecond):
		}
	}
	f.QueueOnNewIssue(jira.FullIssue{Key: runtime.Some("PRJ-1")}, jira.FullIssue{Key: runtime.Some("PRJ-2")})
	for _, want := range []string{"PRJ-1", "PRJ-2"} {
		select {
		case ev := <-events:
			if ev.Key.V != want {
				t.Errorf("event %+v, want %s", ev, want)
			}
		case err := <-errc:
			t.Fatalf("PollOnNewIssue ended: %v", err)
		case <-ctx.Done():
			t.Fatalf("no event %s before the deadline", want)
		}
	}
	stop()
	<-errc
	var polls []string
	for _, r := range f.Requests() {
		if r.Operation == "OnNewIssue" {
			polls = append(polls, r.Path+"?"+r.RawQuery)
		}
	}
	if polls[0] != "/2/new_issue_trigger/search?projectKey=PRJ" || !strings.Contains(polls[1], "triggerState=0") {
		t.Errorf("polls = %q, want the first at the routed path, later ones at the fake's Location", polls)
	}
}
