package emigo_test

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

	"github.com/connectorgen/connectorgen/generator/internal/golden/emigo"
	"github.com/connectorgen/connectorgen/runtime"
)

// hookRequest is one request the fake Emigo received.
type hookRequest struct {
	Method, Path, RawQuery, Auth, ContentType string
	Body                                      map[string]any
}

// TestWebhookNewODataItem drives NewODataItem end to end against a fake
// written from the swagger: POST /trigger/{endpoint}/feeds/{feed}/newItem
// (both path parameters x-ms-url-encoding double, so escaped once on the
// wire) with the body {"config": {"url": <x-ms-notification-url>}} and the
// OAuth bearer token; the fake answers 201 with a WebhookCreationResponse
// body and an absolute Location containing an escaped "/"; a subscribe
// to an unknown feed gets the declared 404 and stores nothing. The fake
// posts FeedItem notifications (a dynamic schema, so the handler gets the
// raw JSON) which DeliverNewODataItem hands over verbatim and in order;
// UnsubscribeNewODataItem sends DELETE to the Location as written, with
// the token.
func TestWebhookNewODataItem(t *testing.T) {
	const (
		tok   = "emigo-hook-token"
		sub   = "/trigger/crm/feeds/orders%2Fopen/newItem"
		hook  = "/trigger/crm/feeds/orders%2Fopen/webhooks/42"
		subID = "crm-orders"
	)
	var (
		mu    sync.Mutex
		reqs  []hookRequest
		hooks = map[string]string{}
	)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(b, &body)
		mu.Lock()
		defer mu.Unlock()
		reqs = append(reqs, hookRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		if r.Header.Get("Authorization") != "Bearer "+tok {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		switch p := r.URL.EscapedPath(); {
		case r.Method == http.MethodPost && strings.HasPrefix(p, "/trigger/") && strings.HasSuffix(p, "/newItem"):
			if p != sub {
				http.Error(w, "Not Found", http.StatusNotFound) // no such endpoint/feed
				return
			}
			cfg, _ := body["config"].(map[string]any)
			url, _ := cfg["url"].(string)
			if url == "" {
				http.Error(w, "config.url is required", http.StatusBadRequest)
				return
			}
			hooks[hook] = url
			w.Header().Set("Location", "http://"+r.Host+hook)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]any{"config": map[string]any{"url": url}})
		case r.Method == http.MethodDelete && hooks[p] != "":
			delete(hooks, p)
			w.WriteHeader(http.StatusOK)
		default:
			http.Error(w, "no operation "+r.Method+" "+p, http.StatusNotFound)
		}
	}))
	defer svc.Close()
	requests := func() []hookRequest {
		mu.Lock()
		defer mu.Unlock()
		out := reqs
		reqs = nil
		return out
	}

	store := runtime.NewMemoryStore()
	lsrv := httptest.NewUnstartedServer(nil)
	l, err := runtime.NewListener(store, "http://"+lsrv.Listener.Addr().String()+"/emigo/hooks/")
	if err != nil {
		t.Fatal(err)
	}
	lsrv.Config.Handler = l
	lsrv.Start()
	defer lsrv.Close()
	c, err := emigo.New(emigo.Connection{Token: runtime.StaticToken(tok)}, runtime.WithBaseURL(svc.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// A feed the service does not know: the declared 404 is an error and nothing is stored.
	err = c.SubscribeNewODataItem(ctx, l, "nope", "crm", "no such feed")
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("subscribe to an unknown feed = %v, want a *runtime.Error with status 404", err)
	}
	if _, err := store.Subscription(ctx, "nope"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("failed subscription stored: %v", err)
	}
	if r := requests(); len(r) != 1 || r[0].Path != "/trigger/crm/feeds/no%20such%20feed/newItem" {
		t.Errorf("failed subscribe sent %+v", r)
	}

	if err := c.SubscribeNewODataItem(ctx, l, subID, "crm", "orders/open"); err != nil {
		t.Fatal(err)
	}
	cb, err := l.CallbackURL(ctx, subID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cb, lsrv.URL+"/emigo/hooks/"+subID+"/") {
		t.Fatalf("callback URL %q is not under the listener", cb)
	}
	rs := requests()
	if want := map[string]any{"config": map[string]any{"url": cb}}; len(rs) != 1 || rs[0].Method != http.MethodPost || rs[0].Path != sub ||
		rs[0].RawQuery != "" || rs[0].Auth != "Bearer "+tok || rs[0].ContentType != "application/json" || !reflect.DeepEqual(rs[0].Body, want) {
		t.Errorf("subscribe sent %+v, want one POST %s with the bearer token and body %v", rs, sub, want)
	}
	s, err := store.Subscription(ctx, subID)
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.WebhookCursor
	json.Unmarshal(s.Cursor, &cur)
	if s.Kind != "webhook" || s.Operation != "NewODataItem" || cur.Location != svc.URL+hook || cur.Callback != cb {
		t.Errorf("stored subscription %+v, cursor %+v", s, cur)
	}

	// FeedItem notifications: dynamic properties plus "dynamicProperties".
	notes := []string{
		`{"Id":"SO-1001","Customer":"Contoso","Total":1250.5,"dynamicProperties":{"Region":"EU"}}`,
		`{"Id":"SO-1002","Customer":"Fabrikam","Total":99,"dynamicProperties":{}}`,
		`{"Id":"SO-1003","Customer":"Northwind","Lines":[{"Sku":"A-1","Qty":2}]}`,
	}
	got := make(chan json.RawMessage, 10)
	dctx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- c.DeliverNewODataItem(dctx, store, l, runtime.DeliveryConfig{Subscription: subID, Interval: time.Hour},
			func(_ context.Context, ev json.RawMessage) error {
				got <- ev
				return nil
			})
	}()
	for i, n := range notes {
		resp, err := http.Post(cb, "application/json", strings.NewReader(n))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("callback answered %d, want 202", resp.StatusCode)
		}
		select {
		case ev := <-got:
			if string(ev) != n {
				t.Errorf("event %d = %s, want %s", i+1, ev, n)
			}
		case err := <-errc:
			t.Fatalf("DeliverNewODataItem ended early: %v", err)
		case <-ctx.Done():
			t.Fatalf("event %d not delivered before the deadline", i+1)
		}
	}
	stop()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("DeliverNewODataItem = %v, want context.Canceled", err)
	}
	select {
	case ev := <-got:
		t.Errorf("unexpected extra event %s", ev)
	default:
	}

	if err := c.UnsubscribeNewODataItem(ctx, l, subID); err != nil {
		t.Fatal(err)
	}
	rs = requests()
	if len(rs) != 1 || rs[0].Method != http.MethodDelete || rs[0].Path != hook || rs[0].Auth != "Bearer "+tok {
		t.Errorf("unsubscribe sent %+v, want one DELETE %s with the bearer token", rs, hook)
	}
	if _, err := store.Subscription(ctx, subID); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("subscription after Unsubscribe: %v", err)
	}
}
