package fakeserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// subPrefix is the path of subscription Locations.
const subPrefix = "/.fake/subscriptions/"

// origin is scheme://host of r as the client addressed it.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// poll answers one poll of pt (see the package documentation).
func (s *Server) poll(w http.ResponseWriter, r *http.Request, pt *PollTrigger) {
	s.mu.Lock()
	s.polled[pt.Operation]++
	first := s.polled[pt.Operation] == 1
	q := s.queues[pt.Operation]
	var events []json.RawMessage
	switch {
	case pt.Policy && first:
		// The client's baseline: answered empty, the queue is kept.
	case pt.Batch || pt.Policy:
		events, s.queues[pt.Operation] = q, nil
	case len(q) > 0:
		events, s.queues[pt.Operation] = q[:1], q[1:]
	}
	s.cursor[pt.Operation] += len(events)
	cursor := strconv.Itoa(s.cursor[pt.Operation])
	more := len(s.queues[pt.Operation]) > 0
	retryAfter := s.RetryAfter
	s.mu.Unlock()
	// unpoll puts the events back when the answer cannot be built, so a
	// fake never loses what a test queued.
	unpoll := func(err error) {
		s.mu.Lock()
		s.queues[pt.Operation] = append(events, s.queues[pt.Operation]...)
		s.cursor[pt.Operation] -= len(events)
		s.mu.Unlock()
		http.Error(w, "fake: "+err.Error(), http.StatusInternalServerError)
	}

	if pt.Policy {
		body, err := policyBody(pt, events, cursor)
		if err != nil {
			unpoll(err)
			return
		}
		writeRaw(w, http.StatusOK, body)
		return
	}
	query := r.URL.Query()
	query.Set("triggerState", cursor)
	w.Header().Set("Location", origin(r)+r.URL.EscapedPath()+"?"+query.Encode())
	if len(events) == 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var body []byte
	var err error
	if pt.Batch {
		body, err = wrap(pt.Split, events)
	} else {
		body = events[0]
		if more {
			w.Header().Set("Retry-After", "0") // poll again now
		}
	}
	if err != nil {
		unpoll(err)
		return
	}
	writeRaw(w, http.StatusOK, body)
}

// wrap puts events as an array at path from the root.
func wrap(path []string, events []json.RawMessage) ([]byte, error) {
	if events == nil {
		events = []json.RawMessage{}
	}
	var v any = events
	for i := len(path) - 1; i >= 0; i-- {
		v = map[string]any{path[i]: v}
	}
	return json.Marshal(v)
}

// policyBody is a pollingtrigger backend's answer: the events at the split
// path, every state path set to the cursor.
func policyBody(pt *PollTrigger, events []json.RawMessage, cursor string) ([]byte, error) {
	b, err := wrap(pt.Split, events)
	if err != nil || len(pt.State) == 0 {
		return b, err
	}
	if len(pt.Split) == 0 {
		return b, nil // a bare array has no room for state
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	for _, p := range pt.State {
		m := root
		for i, k := range p {
			if i == len(p)-1 {
				m[k] = cursor
				break
			}
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
	}
	return json.Marshal(root)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// subscribe stores a subscription and answers 201 with its Location.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, wh *Webhook, body []byte) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		http.Error(w, "fake: subscribe body is not JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	for _, k := range wh.Notification {
		m, ok := v.(map[string]any)
		if !ok {
			v = nil
			break
		}
		v = m[k]
	}
	cb, _ := v.(string)
	if u, err := url.Parse(cb); cb == "" || err != nil || !u.IsAbs() {
		http.Error(w, fmt.Sprintf("fake: no callback URL at %q in the subscribe body", strings.Join(wh.Notification, ".")), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.nsub++
	id := strconv.Itoa(s.nsub)
	loc := origin(r) + subPrefix + url.PathEscape(wh.Operation) + "/" + id
	s.subs[id] = &Subscription{Trigger: wh.Operation, Callback: cb, Location: loc, Query: r.URL.Query(), Body: json.RawMessage(body)}
	s.mu.Unlock()
	w.Header().Set("Location", loc)
	writeRaw(w, http.StatusCreated, []byte(`{"id":`+strconv.Quote(id)+`}`))
}

// unsubscribe handles DELETE on a subscription's Location.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodDelete {
		w.Header().Set("Allow", http.MethodDelete)
		http.Error(w, "fake: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, subPrefix)
	id := rest[strings.LastIndexByte(rest, '/')+1:]
	s.mu.Lock()
	_, ok := s.subs[id]
	delete(s.subs, id)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "fake: no subscription "+id, http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}
