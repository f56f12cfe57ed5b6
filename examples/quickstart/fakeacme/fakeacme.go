// Package fakeacme is an in-process fake of the Acme Tasks service, the demo
// connector in testdata/demo. It is an http.Handler serving the connector's
// base path /v1 and does what the real service would, in memory:
//
//   - every request must carry the API key in the X-API-Key header (401
//     otherwise), as the connector's securityDefinitions say;
//   - actions: create, get, list and complete tasks;
//   - the polling trigger GET /v1/trigger/tasks/new speaks the platform's
//     202/Location/Retry-After protocol (connector-protocol §3.2) with the
//     newest task ID as the trigger state;
//   - the webhook trigger: POST /v1/hooks subscribes a callback URL and
//     answers 201 with a Location, DELETE on that Location unsubscribes,
//     and completing a task POSTs a "task.completed" event to every
//     matching callback (connector-protocol §4).
//
// It is example code: small rather than complete, and not hardened.
package fakeacme

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// task is a task as the service stores and sends it
// (#/definitions/Task of the connector).
type task struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Assignee  string `json:"assignee,omitempty"`
	Priority  string `json:"priority"`
	Status    string `json:"status"` // "open" or "done"
	Due       string `json:"due,omitempty"`
	Created   string `json:"created"`
	Completed string `json:"completed,omitempty"`
}

// hook is a webhook subscription.
type hook struct {
	id       string
	event    string // always "task.completed": the only event Acme sends
	assignee string // "" = tasks of everyone
	callback string // where events are POSTed; a secret, never logged
}

// Service is the fake Acme Tasks service. Create it with New.
type Service struct {
	apiKey string
	log    io.Writer
	mux    *http.ServeMux
	// callbacks sends webhook events.
	callbacks *http.Client

	mu       sync.Mutex
	tasks    []*task // in creation order, so IDs increase
	hooks    []*hook
	lastHook int
	polled   chan struct{} // closed by the first poll
}

// New returns a service accepting apiKey. It writes one line to log (if not
// nil) for each trigger-related thing it does, so that a demo can show them;
// log must be safe for concurrent use.
func New(apiKey string, log io.Writer) *Service {
	s := &Service{
		apiKey:    apiKey,
		log:       log,
		mux:       http.NewServeMux(),
		callbacks: &http.Client{Timeout: 10 * time.Second},
		polled:    make(chan struct{}),
	}
	s.mux.HandleFunc("POST /v1/tasks", s.createTask)
	s.mux.HandleFunc("GET /v1/tasks", s.listTasks)
	s.mux.HandleFunc("GET /v1/tasks/{taskId}", s.getTask)
	s.mux.HandleFunc("POST /v1/tasks/{taskId}/complete", s.completeTask)
	s.mux.HandleFunc("GET /v1/trigger/tasks/new", s.pollNewTasks)
	s.mux.HandleFunc("POST /v1/hooks", s.subscribe)
	s.mux.HandleFunc("DELETE /v1/hooks/{hookId}", s.unsubscribe)
	return s
}

// Polled is closed once the polling trigger has been polled for the first
// time, i.e. once its baseline is set: tasks created after that fire it.
func (s *Service) Polled() <-chan struct{} { return s.polled }

// ServeHTTP checks the API key and routes the request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-API-Key")), []byte(s.apiKey)) != 1 {
		fail(w, http.StatusUnauthorized, "missing or wrong API key")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// createTask: POST /v1/tasks (action CreateTask).
func (s *Service) createTask(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title    string `json:"title"`
		Assignee string `json:"assignee"`
		Priority string `json:"priority"`
		Due      string `json:"due"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	if in.Title == "" {
		fail(w, http.StatusBadRequest, "a task needs a title")
		return
	}
	switch in.Priority {
	case "":
		in.Priority = "normal"
	case "low", "normal", "high":
	default:
		fail(w, http.StatusBadRequest, "priority must be low, normal or high")
		return
	}
	s.mu.Lock()
	t := &task{
		ID:       int64(len(s.tasks) + 1),
		Title:    in.Title,
		Assignee: in.Assignee,
		Priority: in.Priority,
		Status:   "open",
		Due:      in.Due,
		Created:  now(),
	}
	s.tasks = append(s.tasks, t)
	out := *t
	s.mu.Unlock()
	reply(w, http.StatusCreated, out)
}

// getTask: GET /v1/tasks/{taskId} (action GetTask).
func (s *Service) getTask(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(r.PathValue("taskId"))
	if t == nil {
		fail(w, http.StatusNotFound, "no such task")
		return
	}
	reply(w, http.StatusOK, t)
}

// listTasks: GET /v1/tasks?status=&assignee=&top= (action ListTasks).
func (s *Service) listTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	top := 50
	if v := q.Get("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fail(w, http.StatusBadRequest, "top must be between 1 and 100")
			return
		}
		top = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []*task{} // "value": [] rather than null
	for _, t := range s.tasks {
		if len(list) < top && match(q.Get("status"), t.Status) && match(q.Get("assignee"), t.Assignee) {
			list = append(list, t)
		}
	}
	reply(w, http.StatusOK, map[string]any{"value": list})
}

// completeTask: POST /v1/tasks/{taskId}/complete (action CompleteTask). The
// first completion sends a "task.completed" event to every hook that
// wants it; the answer comes after the events were sent.
func (s *Service) completeTask(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.find(r.PathValue("taskId"))
	if t == nil {
		s.mu.Unlock()
		fail(w, http.StatusNotFound, "no such task")
		return
	}
	var notify []hook
	if t.Status != "done" {
		t.Status, t.Completed = "done", now()
		for _, h := range s.hooks {
			if match(h.assignee, t.Assignee) {
				notify = append(notify, *h)
			}
		}
		if len(notify) == 0 {
			s.logf("task %d completed: no webhook subscriber wants it", t.ID)
		}
	}
	done := *t
	s.mu.Unlock()

	event, _ := json.Marshal(map[string]any{"event": "task.completed", "task": done})
	for _, h := range notify {
		s.send(h, done.ID, event)
	}
	reply(w, http.StatusOK, done)
}

// send POSTs a webhook event to h's callback URL. Like most services it
// does not retry: the subscriber answers quickly (the runtime's Listener
// only stores the event) so that a failure is rare.
func (s *Service) send(h hook, taskID int64, event []byte) {
	resp, err := s.callbacks.Post(h.callback, "application/json", bytes.NewReader(event))
	if err != nil {
		s.logf("task %d completed: POST to hook %s failed: %v", taskID, h.id, err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.logf("task %d completed: event POSTed to hook %s, which answered %s", taskID, h.id, resp.Status)
}

// pollNewTasks: GET /v1/trigger/tasks/new?assignee=&triggerState= (polling
// trigger OnNewTasks), the protocol of connector-protocol §3.2. The state
// is the ID of the newest task seen; it travels in the triggerState query
// parameter of the Location, so the service keeps none.
func (s *Service) pollNewTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("triggerState")
	s.mu.Lock()
	defer s.mu.Unlock()
	newest := int64(len(s.tasks))

	// Every answer says where to poll next and when. A real service would
	// say Retry-After: 60 or so; 0 lets the client's own interval decide
	// (after a 202 the longer of the two wins; after a 200, 0 means "poll
	// again now").
	q.Set("triggerState", strconv.FormatInt(newest, 10))
	w.Header().Set("Location", s.absURL(r, r.URL.Path, q))
	w.Header().Set("Retry-After", "0")

	if state == "" {
		// First poll: only record the baseline. Tasks that exist already
		// never fire the trigger.
		s.logf("first poll, no triggerState: 202 Accepted, Location has triggerState=%d", newest)
		w.WriteHeader(http.StatusAccepted)
		select {
		case <-s.polled:
		default:
			close(s.polled)
		}
		return
	}
	seen, err := strconv.ParseInt(state, 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, "bad triggerState")
		return
	}
	var fresh []*task
	for _, t := range s.tasks {
		if t.ID > seen && match(q.Get("assignee"), t.Assignee) {
			fresh = append(fresh, t)
		}
	}
	if len(fresh) == 0 {
		w.WriteHeader(http.StatusAccepted) // nothing new
		return
	}
	reply(w, http.StatusOK, map[string]any{"value": fresh})
}

// subscribe: POST /v1/hooks (webhook trigger OnTaskCompleted).
func (s *Service) subscribe(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CallbackURL string `json:"callbackUrl"`
		Event       string `json:"event"`
		Assignee    string `json:"assignee"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	if u, err := url.Parse(in.CallbackURL); err != nil || !u.IsAbs() {
		fail(w, http.StatusBadRequest, "callbackUrl must be an absolute URL")
		return
	}
	if in.Event != "task.completed" {
		fail(w, http.StatusBadRequest, "unknown event "+strconv.Quote(in.Event))
		return
	}
	s.mu.Lock()
	s.lastHook++
	h := &hook{id: strconv.Itoa(s.lastHook), event: in.Event, assignee: in.Assignee, callback: in.CallbackURL}
	s.hooks = append(s.hooks, h)
	who := "everyone"
	if h.assignee != "" {
		who = h.assignee
	}
	s.logf("hook %s created: %s events for tasks of %s go to the subscriber's callback URL", h.id, h.event, who)
	s.mu.Unlock()

	// The Location is where the subscriber sends DELETE to unsubscribe.
	w.Header().Set("Location", s.absURL(r, "/v1/hooks/"+h.id, nil))
	reply(w, http.StatusCreated, map[string]string{"id": h.id, "event": h.event})
}

// unsubscribe: DELETE /v1/hooks/{hookId}, the Location of a subscription.
func (s *Service) unsubscribe(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("hookId")
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.hooks, func(h *hook) bool { return h.id == id })
	if i < 0 {
		fail(w, http.StatusNotFound, "no such hook")
		return
	}
	s.hooks = slices.Delete(s.hooks, i, i+1)
	s.logf("hook %s deleted (DELETE %s)", id, r.URL.Path)
	w.WriteHeader(http.StatusNoContent)
}

// find returns the task with the given ID, or nil. s.mu must be held.
func (s *Service) find(id string) *task {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 || n > int64(len(s.tasks)) {
		return nil
	}
	return s.tasks[n-1]
}

// absURL returns the absolute URL of path (and query q) on the host the
// request came to: the protocol wants an absolute Location.
func (s *Service) absURL(r *http.Request, path string, q url.Values) string {
	u := url.URL{Scheme: "http", Host: r.Host, Path: path, RawQuery: q.Encode()}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return u.String()
}

func (s *Service) logf(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintf(s.log, "  [acme] "+format+"\n", args...)
	}
}

// match reports whether a filter value ("" matches anything) matches v.
func match(filter, v string) bool { return filter == "" || filter == v }

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}
