package runtime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var hookOp = &Operation{
	ID:     "webhook-trigger",
	Method: "POST",
	Path:   "/repos/{owner}/hooks",
	Params: []Param{
		{Name: "owner", In: InPath, Required: true},
		{Name: "body", In: InBody, Required: true},
	},
	Body: BodyJSON,
}

const hookBase = "https://hooks.example.com/connectorgen"

func newHookListener(t *testing.T, store TriggerStore, opts ...ListenerOption) *Listener {
	t.Helper()
	l, err := NewListener(store, hookBase+"/", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func hookCursor(t *testing.T, store TriggerStore, id string) WebhookCursor {
	t.Helper()
	s, err := store.Subscription(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != "webhook" || s.Operation != hookOp.ID {
		t.Fatalf("subscription = %+v", s)
	}
	var cur WebhookCursor
	if err := json.Unmarshal(s.Cursor, &cur); err != nil {
		t.Fatal(err)
	}
	return cur
}

func TestWebhookSubscribe(t *testing.T) {
	for _, tc := range []struct {
		name, location, want string // want: "" → relative to server, resolved below
	}{
		{"relative", "hooks/42", "/base/repos/me/hooks/42"},
		{"absolute", "https://api.example.com/hooks/42", "https://api.example.com/hooks/42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Location", tc.location)
				w.WriteHeader(http.StatusCreated)
			})
			c := newTestClient(t, srv, WithAuth(APIKey(InHeader, "X-Api-Key", "k3y")))
			store := NewMemoryStore()
			l := newHookListener(t, store)
			ctx := context.Background()
			body := RawJSON([]byte(`{"events":["push"],"config":{"content_type":"json"}}`))
			if err := l.Subscribe(ctx, c, "sub 1", hookOp, []Arg{String("me"), body}, 1, []string{"config", "url"}); err != nil {
				t.Fatal(err)
			}
			cb, err := l.CallbackURL(ctx, "sub 1")
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != "POST" || r.Path != "/base/repos/me/hooks" {
				t.Errorf("request %s %s", r.Method, r.Path)
			}
			if got := r.Header.Get("X-Api-Key"); got != "k3y" {
				t.Errorf("X-Api-Key = %q", got)
			}
			cbJSON, _ := json.Marshal(cb)
			wantBody := `{"config":{"content_type":"json","url":` + string(cbJSON) + `},"events":["push"]}`
			if string(r.Body) != wantBody {
				t.Errorf("body\n got %s\nwant %s", r.Body, wantBody)
			}
			want := tc.want
			if strings.HasPrefix(want, "/") {
				want = srv.URL + want
			}
			cur := hookCursor(t, store, "sub 1")
			if cur.Location != want || cur.Callback != cb {
				t.Errorf("cursor = %+v, want location %q callback %q", cur, want, cb)
			}
			if !strings.HasPrefix(cb, hookBase+"/sub%201/") {
				t.Errorf("callback URL %q", cb)
			}
		})
	}
}

func TestWebhookSubscribeFailure(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusForbidden)
	})
	c := newTestClient(t, srv)
	store := NewMemoryStore()
	l := newHookListener(t, store)
	err := l.Subscribe(context.Background(), c, "s", hookOp, []Arg{String("me"), JSON(map[string]any{})}, 1, []string{"url"})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
		t.Fatalf("err = %v", err)
	}
	if _, err := store.Subscription(context.Background(), "s"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("subscription stored: %v", err)
	}
}

func TestWebhookUnsubscribe(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method == "POST" {
			w.Header().Set("Location", "/base/hooks/7")
			w.WriteHeader(http.StatusCreated)
		}
	})
	c := newTestClient(t, srv, WithAuth(APIKey(InHeader, "X-Api-Key", "k3y")))
	store := NewMemoryStore()
	l := newHookListener(t, store)
	ctx := context.Background()
	if err := l.Subscribe(ctx, c, "s", hookOp, []Arg{String("me"), JSON(map[string]any{"a": 1})}, 1, []string{"url"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Unsubscribe(ctx, c, "s"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	d := reqs[1]
	if d.Method != "DELETE" || d.Path != "/base/hooks/7" || len(d.Body) != 0 {
		t.Errorf("request %s %s %q", d.Method, d.Path, d.Body)
	}
	if got := d.Header.Get("X-Api-Key"); got != "k3y" {
		t.Errorf("DELETE X-Api-Key = %q", got)
	}
	if _, err := store.Subscription(ctx, "s"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("subscription not deleted: %v", err)
	}

	// No Location: just deleted.
	if _, err := store.SaveSubscription(ctx, Subscription{ID: "n", Kind: "webhook", Cursor: []byte(`{"callback":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := l.Unsubscribe(ctx, c, "n"); err != nil {
		t.Fatal(err)
	}
	if srv.count() != 2 {
		t.Errorf("request sent without Location")
	}
	if _, err := store.Subscription(ctx, "n"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("subscription not deleted: %v", err)
	}
}

// failingCommitStore fails every Commit.
type failingCommitStore struct{ *MemoryStore }

func (f failingCommitStore) Commit(context.Context, string, int64, []byte, [][]byte) (int64, error) {
	return 0, errors.New("disk full")
}

func callback(t *testing.T, l *Listener, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	l.ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
	return w
}

func TestWebhookCallback(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, store TriggerStore, opts ...ListenerOption) (*Listener, string) {
		t.Helper()
		l := newHookListener(t, store, opts...)
		if _, err := store.SaveSubscription(ctx, Subscription{ID: "a/b", Operation: hookOp.ID, Kind: "webhook"}); err != nil {
			t.Fatal(err)
		}
		cb, err := l.CallbackURL(ctx, "a/b")
		if err != nil {
			t.Fatal(err)
		}
		return l, cb
	}
	pending := func(t *testing.T, store TriggerStore) []InboxEvent {
		t.Helper()
		evs, err := store.Pending(ctx, "a/b", 0)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}

	t.Run("accepted", func(t *testing.T) {
		store := NewMemoryStore()
		l, cb := setup(t, store)
		if w := callback(t, l, "POST", cb, `{"x":1}`); w.Code != http.StatusAccepted {
			t.Fatalf("status %d", w.Code)
		}
		// Mounted with StripPrefix: the last two segments are used.
		path := strings.TrimPrefix(cb, hookBase)
		mux := http.NewServeMux()
		mux.Handle("/in/", http.StripPrefix("/in", l))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("POST", "/in"+path, strings.NewReader(`[2]`)))
		if w.Code != http.StatusAccepted {
			t.Fatalf("mounted status %d", w.Code)
		}
		evs := pending(t, store)
		if len(evs) != 2 || string(evs[0].Payload) != `{"x":1}` || string(evs[1].Payload) != `[2]` {
			t.Fatalf("pending = %+v", evs)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		store := NewMemoryStore()
		l, cb := setup(t, store)
		other, _ := l.CallbackURL(ctx, "other")
		bad := cb[:strings.LastIndex(cb, "/")+1] + other[strings.LastIndex(other, "/")+1:]
		for _, u := range []string{bad, cb + "x", cb[:len(cb)-1], cb[:strings.LastIndex(cb, "/")]} {
			if w := callback(t, l, "POST", u, `{}`); w.Code != http.StatusNotFound {
				t.Errorf("%s: status %d", u, w.Code)
			}
		}
		if evs := pending(t, store); len(evs) != 0 {
			t.Fatalf("stored %d events", len(evs))
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		store := NewMemoryStore()
		l, _ := setup(t, store)
		cb, _ := l.CallbackURL(ctx, "nope")
		if w := callback(t, l, "POST", cb, `{}`); w.Code != http.StatusNotFound {
			t.Fatalf("status %d", w.Code)
		}
	})
	t.Run("GET", func(t *testing.T) {
		store := NewMemoryStore()
		l, cb := setup(t, store)
		if w := callback(t, l, "GET", cb, ""); w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("status %d", w.Code)
		}
	})
	t.Run("too large", func(t *testing.T) {
		store := NewMemoryStore()
		l, cb := setup(t, store, WithMaxBody(16))
		if w := callback(t, l, "POST", cb, `{"x":"`+strings.Repeat("a", 32)+`"}`); w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", w.Code)
		}
		if w := callback(t, l, "POST", cb, `{"x":"abc"}`); w.Code != http.StatusAccepted {
			t.Fatalf("small body: status %d", w.Code)
		}
		if evs := pending(t, store); len(evs) != 1 {
			t.Fatalf("stored %d events", len(evs))
		}
	})
	t.Run("malformed", func(t *testing.T) {
		store := NewMemoryStore()
		l, cb := setup(t, store)
		for _, b := range []string{`{"x":`, ``, `not json`} {
			if w := callback(t, l, "POST", cb, b); w.Code != http.StatusBadRequest {
				t.Errorf("%q: status %d", b, w.Code)
			}
		}
		if evs := pending(t, store); len(evs) != 0 {
			t.Fatalf("stored %d events", len(evs))
		}
	})
	t.Run("store failure", func(t *testing.T) {
		store := failingCommitStore{NewMemoryStore()}
		l, cb := setup(t, store)
		if w := callback(t, l, "POST", cb, `{}`); w.Code != http.StatusInternalServerError {
			t.Fatalf("status %d", w.Code)
		}
	})
}

func TestWebhookToken(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	l := newHookListener(t, store)
	a, err := l.CallbackURL(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := l.CallbackURL(ctx, "b")
	a2, _ := l.CallbackURL(ctx, "a")
	if a != a2 {
		t.Errorf("callback URL not stable: %q vs %q", a, a2)
	}
	ta, tb := a[strings.LastIndex(a, "/")+1:], b[strings.LastIndex(b, "/")+1:]
	if ta == tb {
		t.Errorf("same token for different ids")
	}
	raw, err := base64.RawURLEncoding.DecodeString(ta)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw)*8 < 128 {
		t.Errorf("token has %d bits", len(raw)*8)
	}
	// A different store (key) gives a different token.
	c, _ := newHookListener(t, NewMemoryStore()).CallbackURL(ctx, "a")
	if c == a {
		t.Errorf("token does not depend on the key")
	}
}

func TestListenerServe(t *testing.T) {
	store := NewMemoryStore()
	l := newHookListener(t, store)
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/x/y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("status %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestNewListenerInvalid(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "/relative", "https://u:p@x", "https://x/?q=1"} {
		if _, err := NewListener(NewMemoryStore(), u); err == nil {
			t.Errorf("%q: no error", u)
		}
	}
	if _, err := NewListener(nil, hookBase); err == nil {
		t.Error("nil store: no error")
	}
}

// Subscribe at every start: the same request resumes the stored
// subscription without a call; a changed public URL subscribes anew,
// keeps the inbox and only then deletes the old service-side
// subscription, with the connection's auth.
func TestWebhookResubscribe(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method == http.MethodPost {
			w.Header().Set("Location", "hooks/"+string(rune('0'+n)))
			w.WriteHeader(http.StatusCreated)
		}
	})
	c := newTestClient(t, srv, WithAuth(APIKey(InHeader, "X-Api-Key", "k3y")))
	store := NewMemoryStore()
	ctx := context.Background()
	args := []Arg{String("me"), RawJSON([]byte(`{"events":["push"]}`))}

	l1 := newHookListener(t, store)
	if err := l1.Subscribe(ctx, c, "s", hookOp, args, 1, []string{"url"}); err != nil {
		t.Fatal(err)
	}
	first := hookCursor(t, store, "s")
	// A restart with the same listener URL and arguments: nothing is sent.
	if err := l1.Subscribe(ctx, c, "s", hookOp, args, 1, []string{"url"}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Fatalf("%d requests after the second Subscribe, want 1 (resume)", n)
	}
	if _, err := store.Commit(ctx, "s", AnyVersion, nil, [][]byte{[]byte(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}

	// A restart behind a new public URL: subscribe again, then DELETE.
	l2, err := NewListener(store, "https://new.example.com/hooks")
	if err != nil {
		t.Fatal(err)
	}
	if err := l2.Subscribe(ctx, c, "s", hookOp, args, 1, []string{"url"}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want subscribe, subscribe, delete", len(reqs))
	}
	cb2, _ := l2.CallbackURL(ctx, "s")
	if reqs[1].Method != "POST" || !strings.Contains(string(reqs[1].Body), `"url":"`+cb2+`"`) {
		t.Errorf("re-subscribe: %s %s", reqs[1].Method, reqs[1].Body)
	}
	if reqs[2].Method != "DELETE" || srv.URL+reqs[2].Path != first.Location || reqs[2].Header.Get("X-Api-Key") != "k3y" {
		t.Errorf("old subscription: %s %s (key %q), want DELETE %s with the key", reqs[2].Method, reqs[2].Path, reqs[2].Header.Get("X-Api-Key"), first.Location)
	}
	cur := hookCursor(t, store, "s")
	if cur.Callback != cb2 || cur.Location == first.Location {
		t.Errorf("cursor after re-subscribe = %+v", cur)
	}
	if p, err := store.Pending(ctx, "s", 0); err != nil || len(p) != 1 {
		t.Errorf("inbox after re-subscribe: %d events, %v; want the pending one kept", len(p), err)
	}

	// Different arguments also re-subscribe.
	args2 := []Arg{String("me"), RawJSON([]byte(`{"events":["push","pull"]}`))}
	if err := l2.Subscribe(ctx, c, "s", hookOp, args2, 1, []string{"url"}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 5 {
		t.Fatalf("%d requests after changing the arguments, want 5", n)
	}
}
