package tegolysign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/tegolysign"
	"github.com/connectorgen/connectorgen/runtime"
)

// hookRequest is one request the fake tegolySIGN backend received.
type hookRequest struct {
	Method, Path, RawQuery, Auth, ContentType string
	Body                                      []byte
}

// hookFake is the tegolySIGN backend as its swagger declares the webhook
// trigger CompletelySigned: POST /api/webhook/end-trigger with a JSON body
// {name, delivery_url} (delivery_url is the x-ms-notification-url), OAuth
// (bearer) auth. It answers 201 with an absolute Location naming the
// subscription, and DELETE on that Location removes it.
type hookFake struct {
	token string

	mu    sync.Mutex
	reqs  []hookRequest
	hooks map[string]string // subscription path → delivery_url
	next  int
}

func (f *hookFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, hookRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), b})
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/webhook/end-trigger":
		var body struct {
			Name        string `json:"name"`
			DeliveryURL string `json:"delivery_url"`
		}
		if err := json.Unmarshal(b, &body); err != nil || !strings.HasPrefix(body.DeliveryURL, "http") {
			http.Error(w, "delivery_url must be a URL", http.StatusBadRequest)
			return
		}
		f.next++
		p := "/api/webhook/end-trigger/" + strconv.Itoa(f.next)
		f.hooks[p] = body.DeliveryURL
		w.Header().Set("Location", "http://"+r.Host+p)
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodDelete && f.hooks[r.URL.Path] != "":
		delete(f.hooks, r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "no operation "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

func (f *hookFake) requests() []hookRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.reqs
	f.reqs = nil
	return out
}

// notify POSTs one notification to a callback URL, as the service does,
// and returns the status.
func notify(t *testing.T, callback, body string) int {
	t.Helper()
	resp, err := http.Post(callback, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// newListener mounts a runtime.Listener (public base URL with a path) on
// an httptest server.
func newListener(t *testing.T, store runtime.TriggerStore) (*runtime.Listener, string) {
	t.Helper()
	hooks := httptest.NewUnstartedServer(nil)
	base := "http://" + hooks.Listener.Addr().String() + "/callbacks"
	l, err := runtime.NewListener(store, base)
	if err != nil {
		t.Fatal(err)
	}
	hooks.Config.Handler = l
	hooks.Start()
	t.Cleanup(hooks.Close)
	return l, base
}

// TestWebhookCompletelySigned drives CompletelySigned end to end:
// Subscribe sends the caller's name and the Listener's callback URL as
// delivery_url (replacing the swagger's default "document.callback") with
// the bearer token; the Location of the 201 is stored; three notifications
// shaped like x-ms-notification-content (name, base64 document and
// certificate), one posted before Deliver runs and two while it runs, are
// handed to the typed handler in order; Unsubscribe sends DELETE to the
// Location with the token, and the callback URL is dead afterwards.
func TestWebhookCompletelySigned(t *testing.T) {
	const tok = "aad-token-tegoly-7"
	f := &hookFake{token: tok, hooks: map[string]string{}}
	svc := httptest.NewServer(f)
	defer svc.Close()
	store := runtime.NewMemoryStore()
	l, base := newListener(t, store)
	c, err := tegolysign.New(tegolysign.Connection{Token: runtime.StaticToken(tok)}, runtime.WithBaseURL(svc.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := c.SubscribeCompletelySigned(ctx, l, "contract-42", &tegolysign.CompletelySignedOptions{
		Body: &tegolysign.CompletelySignedRequest{Name: "Contract 42"},
	}); err != nil {
		t.Fatal(err)
	}
	cb, err := l.CallbackURL(ctx, "contract-42")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cb, base+"/contract-42/") {
		t.Fatalf("callback URL %q is not under the listener %s", cb, base)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("subscribe sent %d requests: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("subscribe body %q: %v", r.Body, err)
	}
	if want := map[string]any{"name": "Contract 42", "delivery_url": cb}; r.Method != http.MethodPost || r.Path != "/api/webhook/end-trigger" ||
		r.RawQuery != "" || r.Auth != "Bearer "+tok || r.ContentType != "application/json" || !reflect.DeepEqual(body, want) {
		t.Errorf("subscribe request %+v (body %s), want POST /api/webhook/end-trigger, bearer token, JSON body %v", r, r.Body, want)
	}
	s, err := store.Subscription(ctx, "contract-42")
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.WebhookCursor
	if err := json.Unmarshal(s.Cursor, &cur); err != nil {
		t.Fatal(err)
	}
	if s.Kind != "webhook" || s.Operation != "CompletelySigned" || cur.Location != svc.URL+"/api/webhook/end-trigger/1" || cur.Callback != cb {
		t.Errorf("stored subscription %+v, cursor %+v", s, cur)
	}

	// The service signs three documents; the first arrives before delivery starts.
	notes := []string{
		`{"name":"Contract 42.pdf","document":"JVBERi0xLjcK","certificate":"MIIBszCCAVmgAwIBAgIU"}`,
		`{"name":"Contract 43.pdf","document":"JVBERi0xLjQK"}`,
		`{"name":"Contract 44.pdf","document":"JVBERi0xLjUK","certificate":"MIIBtDCCAVqgAwIBAgIV"}`,
	}
	if code := notify(t, cb, notes[0]); code != http.StatusAccepted {
		t.Fatalf("callback answered %d, want 202", code)
	}
	events := make(chan tegolysign.CompletelySignedEvent, 10)
	dctx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- c.DeliverCompletelySigned(dctx, store, l, runtime.DeliveryConfig{Subscription: "contract-42", Interval: time.Hour},
			func(_ context.Context, ev tegolysign.CompletelySignedEvent) error {
				events <- ev
				return nil
			})
	}()
	var got []tegolysign.CompletelySignedEvent
	wait := func(n int) {
		t.Helper()
		for len(got) < n {
			select {
			case ev := <-events:
				got = append(got, ev)
			case err := <-errc:
				t.Fatalf("DeliverCompletelySigned ended early: %v", err)
			case <-ctx.Done():
				t.Fatalf("%d events delivered before the deadline, want %d", len(got), n)
			}
		}
	}
	wait(1) // delivered from the inbox, not woken by a callback
	for _, n := range notes[1:] {
		if code := notify(t, cb, n); code != http.StatusAccepted {
			t.Fatalf("callback answered %d, want 202", code)
		}
	}
	wait(3) // the Listener wakes delivery: Interval is an hour
	stop()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("DeliverCompletelySigned = %v, want context.Canceled", err)
	}
	want := []tegolysign.CompletelySignedEvent{
		{Name: runtime.Some("Contract 42.pdf"), Document: runtime.Some("JVBERi0xLjcK"), Certificate: runtime.Some("MIIBszCCAVmgAwIBAgIU")},
		{Name: runtime.Some("Contract 43.pdf"), Document: runtime.Some("JVBERi0xLjQK")},
		{Name: runtime.Some("Contract 44.pdf"), Document: runtime.Some("JVBERi0xLjUK"), Certificate: runtime.Some("MIIBtDCCAVqgAwIBAgIV")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events = %+v, want %+v", got, want)
	}
	select {
	case ev := <-events:
		t.Errorf("unexpected extra event %+v", ev)
	default:
	}

	if err := c.UnsubscribeCompletelySigned(ctx, l, "contract-42"); err != nil {
		t.Fatal(err)
	}
	reqs = f.requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodDelete || reqs[0].Path != "/api/webhook/end-trigger/1" ||
		reqs[0].Auth != "Bearer "+tok || len(bytes.TrimSpace(reqs[0].Body)) != 0 {
		t.Errorf("unsubscribe requests %+v, want one DELETE /api/webhook/end-trigger/1 with the bearer token and no body", reqs)
	}
	if _, err := store.Subscription(ctx, "contract-42"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("subscription after Unsubscribe: %v, want ErrNotFound", err)
	}
	if code := notify(t, cb, notes[0]); code != http.StatusNotFound {
		t.Errorf("callback after Unsubscribe answered %d, want 404", code)
	}
}

// TestWebhookCompletelySignedNoOptions: without options the body is the
// swagger's internal default with delivery_url replaced by the callback URL.
func TestWebhookCompletelySignedNoOptions(t *testing.T) {
	const tok = "aad-token-tegoly-8"
	f := &hookFake{token: tok, hooks: map[string]string{}}
	svc := httptest.NewServer(f)
	defer svc.Close()
	store := runtime.NewMemoryStore()
	l, _ := newListener(t, store)
	c, err := tegolysign.New(tegolysign.Connection{Token: runtime.StaticToken(tok)}, runtime.WithBaseURL(svc.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SubscribeCompletelySigned(ctx, l, "any", nil); err != nil {
		t.Fatal(err)
	}
	cb, _ := l.CallbackURL(ctx, "any")
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("subscribe sent %d requests", len(reqs))
	}
	var body map[string]any
	json.Unmarshal(reqs[0].Body, &body)
	if want := map[string]any{"delivery_url": cb}; !reflect.DeepEqual(body, want) || reqs[0].Auth != "Bearer "+tok {
		t.Errorf("subscribe body %s (auth %q), want %v", reqs[0].Body, reqs[0].Auth, want)
	}
}
