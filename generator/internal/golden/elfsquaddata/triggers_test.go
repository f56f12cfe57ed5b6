package elfsquaddata_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/elfsquaddata"
	"github.com/connectorgen/connectorgen/runtime"
)

// hookRequest is one request the fake Elfsquad received.
type hookRequest struct {
	Method, Path, RawQuery, Auth, ContentType string
	Body                                      map[string]any
}

// hookFake serves create_trigger as the swagger declares it: POST
// /api/2/webhooks/{trigger_name} with the JSON body {"callbackUrl":
// <x-ms-notification-url>} and the OAuth bearer token, answering 200. With
// location set it names the subscription in a relative Location and
// serves DELETE on it; without, it returns no Location (the swagger
// declares none).
type hookFake struct {
	token    string
	location bool

	mu    sync.Mutex
	reqs  []hookRequest
	hooks map[string]string // subscription path → callbackUrl
}

func (f *hookFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	json.Unmarshal(b, &body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, hookRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	switch name, isHooks := strings.CutPrefix(r.URL.Path, "/api/2/webhooks/"); {
	case r.Method == http.MethodPost && isHooks && name != "":
		cb, _ := body["callbackUrl"].(string)
		if !strings.HasPrefix(cb, "http") {
			http.Error(w, "callbackUrl is required", http.StatusBadRequest)
			return
		}
		if f.location {
			p := "/api/2/webhooks/subscriptions/7f3e"
			f.hooks[p] = cb
			w.Header().Set("Location", p)
		}
		w.WriteHeader(http.StatusOK)
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

// hookSetup starts the fake service, a Listener mounted on an httptest
// server, and a client.
func hookSetup(t *testing.T, f *hookFake) (*elfsquaddata.Client, *runtime.Listener, *runtime.MemoryStore, string) {
	t.Helper()
	svc := httptest.NewServer(f)
	t.Cleanup(svc.Close)
	store := runtime.NewMemoryStore()
	lsrv := httptest.NewUnstartedServer(nil)
	l, err := runtime.NewListener(store, "http://"+lsrv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	lsrv.Config.Handler = l
	lsrv.Start()
	t.Cleanup(lsrv.Close)
	c, err := elfsquaddata.New(elfsquaddata.Connection{Token: runtime.StaticToken(runtime.Secret(f.token))}, runtime.WithBaseURL(svc.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c, l, store, svc.URL
}

// TestWebhookCreateTrigger drives create_trigger end to end: Subscribe
// sends exactly {"callbackUrl": <callback URL>} to the trigger's path with
// the bearer token and keeps the relative Location resolved against the
// service; the fake posts notifications (the schema is dynamic, from
// get_trigger_schema, so the handler gets the raw JSON) which
// DeliverCreateTrigger hands over verbatim and in order; Unsubscribe sends
// DELETE to the Location with the token.
func TestWebhookCreateTrigger(t *testing.T) {
	const tok = "elfsquad-hook-token"
	f := &hookFake{token: tok, location: true, hooks: map[string]string{}}
	c, l, store, svcURL := hookSetup(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := c.SubscribeCreateTrigger(ctx, l, "quotes", "quotation.statuschanged"); err != nil {
		t.Fatal(err)
	}
	cb, err := l.CallbackURL(ctx, "quotes")
	if err != nil {
		t.Fatal(err)
	}
	rs := f.requests()
	if want := map[string]any{"callbackUrl": cb}; len(rs) != 1 || rs[0].Method != http.MethodPost || rs[0].Path != "/api/2/webhooks/quotation.statuschanged" ||
		rs[0].RawQuery != "" || rs[0].Auth != "Bearer "+tok || rs[0].ContentType != "application/json" || !reflect.DeepEqual(rs[0].Body, want) {
		t.Errorf("subscribe sent %+v, want one POST /api/2/webhooks/quotation.statuschanged with the bearer token and body %v", rs, want)
	}
	s, err := store.Subscription(ctx, "quotes")
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.WebhookCursor
	json.Unmarshal(s.Cursor, &cur)
	if s.Kind != "webhook" || s.Operation != "create_trigger" || cur.Location != svcURL+"/api/2/webhooks/subscriptions/7f3e" || cur.Callback != cb {
		t.Errorf("stored subscription %+v, cursor %+v", s, cur)
	}

	notes := []string{
		`{"quotationId":"5b0c3c1e-0001","status":"Accepted","total":1999.95}`,
		`{"quotationId":"5b0c3c1e-0002","status":"Rejected","reason":null}`,
		`{"quotationId":"5b0c3c1e-0003","status":"Sent","lines":[{"article":"EL-1","qty":3}]}`,
	}
	for _, n := range notes {
		resp, err := http.Post(cb, "application/json", strings.NewReader(n))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("callback answered %d, want 202", resp.StatusCode)
		}
	}
	got := make(chan json.RawMessage, 10)
	dctx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- c.DeliverCreateTrigger(dctx, store, l, runtime.DeliveryConfig{Subscription: "quotes", Interval: 10 * time.Millisecond},
			func(_ context.Context, ev json.RawMessage) error {
				got <- ev
				return nil
			})
	}()
	for i, n := range notes {
		select {
		case ev := <-got:
			if string(ev) != n {
				t.Errorf("event %d = %s, want %s", i+1, ev, n)
			}
		case err := <-errc:
			t.Fatalf("DeliverCreateTrigger ended early: %v", err)
		case <-ctx.Done():
			t.Fatalf("event %d not delivered before the deadline", i+1)
		}
	}
	stop()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("DeliverCreateTrigger = %v, want context.Canceled", err)
	}
	select {
	case ev := <-got:
		t.Errorf("unexpected extra event %s", ev)
	default:
	}

	if err := c.UnsubscribeCreateTrigger(ctx, l, "quotes"); err != nil {
		t.Fatal(err)
	}
	rs = f.requests()
	if len(rs) != 1 || rs[0].Method != http.MethodDelete || rs[0].Path != "/api/2/webhooks/subscriptions/7f3e" || rs[0].Auth != "Bearer "+tok {
		t.Errorf("unsubscribe sent %+v, want one DELETE /api/2/webhooks/subscriptions/7f3e with the bearer token", rs)
	}
	if _, err := store.Subscription(ctx, "quotes"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("subscription after Unsubscribe: %v", err)
	}
}

// TestWebhookCreateTriggerNoLocation: the swagger declares a bare 200
// without a Location header. Subscribe still succeeds (any 2xx), but
// there is nothing to DELETE: Unsubscribe sends no request and only
// forgets the subscription.
func TestWebhookCreateTriggerNoLocation(t *testing.T) {
	const tok = "elfsquad-hook-token-2"
	f := &hookFake{token: tok, hooks: map[string]string{}}
	c, l, store, _ := hookSetup(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SubscribeCreateTrigger(ctx, l, "orders", "order.created"); err != nil {
		t.Fatal(err)
	}
	if rs := f.requests(); len(rs) != 1 || rs[0].Path != "/api/2/webhooks/order.created" {
		t.Fatalf("subscribe sent %+v", rs)
	}
	s, err := store.Subscription(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.WebhookCursor
	json.Unmarshal(s.Cursor, &cur)
	if cur.Location != "" {
		t.Errorf("stored Location %q, want none", cur.Location)
	}
	if err := c.UnsubscribeCreateTrigger(ctx, l, "orders"); err != nil {
		t.Fatal(err)
	}
	if rs := f.requests(); len(rs) != 0 {
		t.Errorf("unsubscribe without Location sent %+v", rs)
	}
	if _, err := store.Subscription(ctx, "orders"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("subscription after Unsubscribe: %v", err)
	}
}
