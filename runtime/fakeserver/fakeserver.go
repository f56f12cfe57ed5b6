// Package fakeserver is the machinery of generated fakes (connectorgen
// generate --fakes): an [http.Handler] that plays a connector's backend
// for tests of code built on a generated client. Generated `fake`
// packages wrap a [Server] with typed registration per action and typed
// event queues per trigger; use this package directly only through them.
//
// What the fake is. The generated client plays the platform's gateway
// (it applies the connector's policies, the pollingtrigger template
// included, and the webhook protocol's subscriber side), so the fake plays
// the backend: it answers what arrives on the wire after the client's
// policies. It routes by method and path template relative to the client's
// base URL (point the client at the fake with runtime.WithBaseURL), checks
// no credentials, and records every request ([Server.Requests]).
//
// Actions. A request for an operation without a handler is answered 501
// with a message naming the registration method; a path no operation
// matches, 404. A handler's value is sent as the success response (200,
// JSON, or the bytes of a []byte/string/io.Reader); an [*Error] chooses
// status and body, any other error is a 500.
//
// Polling triggers (connector-protocol §3). One queue per trigger:
// [Server.Queue] adds events, the next poll takes them. A trigger that
// speaks the 202 protocol itself answers 200 with the events (batch: all
// of them, wrapped in the trigger's split path or as a bare array; single:
// the first, with Retry-After: 0 when more wait) and 202 when the queue is
// empty, always with a Location carrying the original query and a cursor
// (triggerState) and a Retry-After ([Server.RetryAfter], default 0).
// A trigger with a pollingtrigger policy is answered as its backend:
// always 200 with the array of queued events, the response's state
// properties set (see [PollTrigger.State]); the first poll of such a
// trigger is the client's baseline, so it is answered with an empty array
// and the queue is kept: nothing queued is lost to the baseline.
//
// Webhook triggers (§4). The subscribe operation stores a subscription
// with the callback URL read from the request body at the notification
// URL property path and answers 201 with a Location under /.fake/; a
// DELETE there removes it (200; 404 when unknown). [Server.Emit] POSTs an
// event to the callback of every live subscription of a trigger.
package fakeserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
)

// Error is an error response chosen by a handler: Status (default 500)
// and Body (JSON-encoded unless it is a string or []byte).
type Error struct {
	Status int
	Body   any
}

func (e *Error) Error() string { return fmt.Sprintf("fake: status %d: %v", e.Status, e.Body) }

// Request is one request the fake received.
type Request struct {
	Operation string // operation ID, "" when no route matched
	Method    string
	Path      string // escaped path
	RawQuery  string
	Header    http.Header
	Body      []byte
}

// Route describes one action operation.
type Route struct {
	Operation string
	Method    string
	// Path is the path template relative to the base URL ("/items/{id}");
	// Alt is a second template routed to the same operation (the path a
	// routerequesttoendpoint policy sends the request to), "" when none.
	Path, Alt string
	// Register names the typed registration method, for 501 messages.
	Register string
	// DoubleEncode lists path parameters sent double-encoded.
	DoubleEncode []string
}

// PollTrigger describes a polling trigger.
type PollTrigger struct {
	Operation string
	Method    string
	Path, Alt string
	// Batch: a 200 carries an array of events, found at Split from the body
	// root (nil: the body is the array).
	Batch bool
	Split []string
	// Policy is set when the trigger has a pollingtrigger policy: the fake
	// answers as the backend (see the package documentation), at Path
	// without its /trigger segment (runtime.PollingTriggerBackendPath),
	// where the client sends the polls.
	Policy bool
	// State lists body paths (from the root) that the policy's
	// triggerConfig expressions read; each is set to the fake's cursor in
	// every answer, so the client's next state is the fake's cursor.
	State [][]string
}

// Webhook describes a webhook trigger's subscribe operation.
type Webhook struct {
	Operation string
	Method    string
	Path, Alt string
	// Notification is the property path of the callback URL in the body.
	Notification []string
}

// Subscription is a live webhook subscription.
type Subscription struct {
	Trigger  string // operation ID of the trigger
	Callback string
	Location string
	Query    url.Values
	Body     json.RawMessage // the subscribe request's body
}

// Handler serves one action call; the value is the response body.
type Handler func(ctx context.Context, c *Call) (any, error)

type route struct {
	op      string
	method  string
	re      []*regexp.Regexp
	names   [][]string
	double  map[string]bool
	reg     string
	kind    int // action, poll, webhook
	poll    *PollTrigger
	hook    *Webhook
	handler Handler
}

const (
	kindAction = iota
	kindPoll
	kindWebhook
)

// Server is the fake backend. The zero value is not usable: use [New].
type Server struct {
	// Client sends Emit's callbacks (default http.DefaultClient).
	Client *http.Client
	// RetryAfter is the Retry-After of the 202 protocol answers; set it
	// before the fake serves requests.
	RetryAfter time.Duration

	mu     sync.Mutex
	routes []*route
	byOp   map[string]*route
	reqs   []Request
	queues map[string][]json.RawMessage
	polled map[string]int // polls per trigger
	cursor map[string]int // events delivered per trigger
	subs   map[string]*Subscription
	nsub   int
}

// New returns an empty fake.
func New() *Server {
	return &Server{
		byOp:   map[string]*route{},
		queues: map[string][]json.RawMessage{},
		polled: map[string]int{},
		cursor: map[string]int{},
		subs:   map[string]*Subscription{},
	}
}

func (s *Server) add(r *route, paths ...string) {
	for _, p := range paths {
		if p == "" {
			continue
		}
		re, names := compile(p)
		r.re, r.names = append(r.re, re), append(r.names, names)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = append(s.routes, r)
	s.byOp[r.op] = r
}

// Action declares an action operation (without a handler: 501).
func (s *Server) Action(rt Route) {
	r := &route{op: rt.Operation, method: rt.Method, reg: rt.Register, kind: kindAction, double: map[string]bool{}}
	for _, n := range rt.DoubleEncode {
		r.double[n] = true
	}
	s.add(r, rt.Path, rt.Alt)
}

// Polling declares a polling trigger.
func (s *Server) Polling(pt PollTrigger) {
	if pt.Policy {
		// The client calls the backend path (the runtime's one rule).
		pt.Path = runtime.PollingTriggerBackendPath(pt.Path)
	}
	s.add(&route{op: pt.Operation, method: pt.Method, kind: kindPoll, poll: &pt}, pt.Path, pt.Alt)
}

// Webhook declares a webhook trigger's subscribe operation.
func (s *Server) Webhook(wh Webhook) {
	s.add(&route{op: wh.Operation, method: wh.Method, kind: kindWebhook, hook: &wh}, wh.Path, wh.Alt)
}

// Handle sets the handler of a declared action; it panics for an unknown one.
func (s *Server) Handle(op string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byOp[op]
	if !ok || r.kind != kindAction {
		panic("fakeserver: Handle: no action " + strconv.Quote(op))
	}
	r.handler = h
}

// compile turns a path template into a regexp matching the escaped path.
func compile(tmpl string) (*regexp.Regexp, []string) {
	var b strings.Builder
	var names []string
	b.WriteString("^")
	for tmpl != "" {
		open := strings.IndexByte(tmpl, '{')
		end := strings.IndexByte(tmpl[max(open, 0):], '}')
		if open < 0 || end < 0 {
			b.WriteString(regexp.QuoteMeta(escapeLiteral(tmpl)))
			break
		}
		b.WriteString(regexp.QuoteMeta(escapeLiteral(tmpl[:open])))
		names = append(names, tmpl[open+1:open+end])
		b.WriteString("([^/]*)")
		tmpl = tmpl[open+end+1:]
	}
	b.WriteString("/?$")
	return regexp.MustCompile(b.String()), names
}

func escapeLiteral(s string) string {
	return (&url.URL{Path: s}).EscapedPath()
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Polls returns how many polls trigger op received.
func (s *Server) Polls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polled[op]
}

// Queue adds events to polling trigger op's queue; an event that does not
// encode as JSON panics (a test bug).
func (s *Server) Queue(op string, events ...any) {
	raws := make([]json.RawMessage, 0, len(events))
	for _, ev := range events {
		b, err := json.Marshal(ev)
		if err != nil {
			panic("fakeserver: Queue: " + err.Error())
		}
		raws = append(raws, b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.byOp[op]; !ok || r.kind != kindPoll {
		panic("fakeserver: Queue: no polling trigger " + strconv.Quote(op))
	}
	s.queues[op] = append(s.queues[op], raws...)
}

// Queued returns how many events of op wait for a poll.
func (s *Server) Queued(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues[op])
}

// Subscriptions returns the live subscriptions of webhook trigger op in
// the order they were made.
func (s *Server) Subscriptions(op string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for i := 1; i <= s.nsub; i++ {
		if sub, ok := s.subs[strconv.Itoa(i)]; ok && sub.Trigger == op {
			out = append(out, *sub)
		}
	}
	return out
}

// ErrNoSubscription is returned by Emit when the trigger has no live
// subscription.
var ErrNoSubscription = errors.New("fakeserver: no live subscription")

// Emit POSTs ev as JSON to the callback of every live subscription of
// webhook trigger op. It fails when there is none or a callback does not
// answer 2xx.
func (s *Server) Emit(ctx context.Context, op string, ev any) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("fakeserver: Emit %s: %w", op, err)
	}
	subs := s.Subscriptions(op)
	if len(subs) == 0 {
		return fmt.Errorf("%w of %s", ErrNoSubscription, op)
	}
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	var errs []error
	for _, sub := range subs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Callback, bytes.NewReader(b))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			errs = append(errs, fmt.Errorf("fakeserver: Emit %s: callback %s answered %s", op, sub.Callback, resp.Status))
		}
	}
	return errors.Join(errs...)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "fake: reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	if strings.HasPrefix(r.URL.Path, subPrefix) {
		rec.Operation = "(unsubscribe)"
		s.record(rec)
		s.unsubscribe(w, r)
		return
	}
	rt, vals := s.match(r)
	if rt != nil {
		rec.Operation = rt.op
	}
	s.record(rec)
	if rt == nil {
		http.Error(w, fmt.Sprintf("fake: no operation %s %s", r.Method, r.URL.Path), http.StatusNotFound)
		return
	}
	switch rt.kind {
	case kindPoll:
		s.poll(w, r, rt.poll)
	case kindWebhook:
		s.subscribe(w, r, rt.hook, body)
	default:
		s.action(w, r, rt, vals, body)
	}
}

func (s *Server) record(rec Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	s.mu.Unlock()
}

// match finds the route of r and its escaped path values.
func (s *Server) match(r *http.Request) (*route, map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.EscapedPath()
	for _, rt := range s.routes {
		if !strings.EqualFold(rt.method, r.Method) {
			continue
		}
		for i, re := range rt.re {
			m := re.FindStringSubmatch(p)
			if m == nil {
				continue
			}
			vals := map[string]string{}
			for j, n := range rt.names[i] {
				vals[n] = m[j+1]
			}
			return rt, vals
		}
	}
	return nil, nil
}

func (s *Server) action(w http.ResponseWriter, r *http.Request, rt *route, vals map[string]string, body []byte) {
	s.mu.Lock()
	h := rt.handler
	s.mu.Unlock()
	if h == nil {
		http.Error(w, fmt.Sprintf("fake: no handler for %s: register one with %s", rt.op, rt.reg), http.StatusNotImplemented)
		return
	}
	c := &Call{HTTP: r, body: body, path: vals, double: rt.double}
	v, err := h(r.Context(), c)
	if err != nil {
		var fe *Error
		if !errors.As(err, &fe) {
			fe = &Error{Status: http.StatusInternalServerError, Body: err.Error()}
		}
		st := fe.Status
		if st == 0 {
			st = http.StatusInternalServerError
		}
		writeValue(w, st, fe.Body)
		return
	}
	writeValue(w, http.StatusOK, v)
}

// writeValue writes v as the body: nothing for nil, bytes for []byte,
// string and io.Reader, JSON otherwise.
func writeValue(w http.ResponseWriter, status int, v any) {
	switch v := v.(type) {
	case nil:
		w.WriteHeader(status)
	case []byte:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(status)
		w.Write(v)
	case string:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, v)
	case io.Reader:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(status)
		io.Copy(w, v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			http.Error(w, "fake: encoding the response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(b)
	}
}
