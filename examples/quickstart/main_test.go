package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// wantOutput is the whole output of the quickstart: it is deterministic
// (no ports, IDs in creation order, events handed over in order).
const wantOutput = `Acme Tasks client (package acme) against an in-process fake of https://api.acme-tasks.example/v1

== Actions
CreateTask   -> task 1 "Write the quickstart" (high, open, alice)
CreateTask   -> task 2 "Review the quickstart" (normal, open, bob)
CreateTask   -> task 3 "Publish the release notes" (low, open, alice)
GetTask 1    -> task 1 "Write the quickstart" (high, open, alice), due 2030-06-01T17:00:00Z
ListTasks (open, alice) -> 2 tasks
               task 1 "Write the quickstart" (high, open, alice)
               task 3 "Publish the release notes" (low, open, alice)
GetTask 1 with a wrong API key -> error 401: {"error":"missing or wrong API key"}

== Polling trigger OnNewTasks (batch), polled every 100ms
  [acme] first poll, no triggerState: 202 Accepted, Location has triggerState=3
CreateTask   -> task 4 "Fix the flaky test" (high, open, bob)
CreateTask   -> task 5 "Plan the next sprint" (normal, open, alice)
OnNewTasks fired: task 4 "Fix the flaky test" (high, open, bob)
OnNewTasks fired: task 5 "Plan the next sprint" (normal, open, alice)

== Webhook trigger OnTaskCompleted
  [acme] hook 1 created: task.completed events for tasks of alice go to the subscriber's callback URL
SubscribeOnTaskCompleted (tasks of alice) -> subscribed
  [acme] task 1 completed: event POSTed to hook 1, which answered 202 Accepted
CompleteTask 1 -> task 1 "Write the quickstart" (high, done, alice)
OnTaskCompleted fired: task.completed task 1 "Write the quickstart" (high, done, alice)
  [acme] task 2 completed: no webhook subscriber wants it
CompleteTask 2 -> task 2 "Review the quickstart" (normal, done, bob)
  [acme] task 5 completed: event POSTed to hook 1, which answered 202 Accepted
CompleteTask 5 -> task 5 "Plan the next sprint" (normal, done, alice)
OnTaskCompleted fired: task.completed task 5 "Plan the next sprint" (normal, done, alice)
  [acme] hook 1 deleted (DELETE /v1/hooks/1)
UnsubscribeOnTaskCompleted -> unsubscribed

Done.
`

// TestRun runs the quickstart and compares its output line by line: the
// actions, the two tasks reported by the polling trigger (and not the three
// of its baseline), the two webhook events (and none for bob's task), and
// the DELETE the service received on unsubscribing.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, &out)
	if err != nil {
		t.Errorf("run: %v", err)
	}
	got, want := strings.Split(out.String(), "\n"), strings.Split(wantOutput, "\n")
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("output line %d:\n got: %q\nwant: %q\nwhole output:\n%s", i+1, g, w, out.String())
		}
	}
}
