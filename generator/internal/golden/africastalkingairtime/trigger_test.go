package africastalkingairtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/africastalkingairtime"
	"github.com/connectorgen/connectorgen/runtime"
)

// TestWebhookSubscriber drives the generated webhook subscriber end to end:
// Subscribe puts the listener's callback URL into the subscribe body, the
// fake service posts an event to it, Deliver hands it to the typed handler,
// and Unsubscribe sends DELETE to the Location with the API key.
func TestWebhookSubscriber(t *testing.T) {
	const key = "at-api-key"
	var (
		mu       sync.Mutex
		callback string
		deletes  []string
	)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("apiKey") != key {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/powerapps/sandbox/airtime/status/callback":
			var body struct{ URL string }
			json.NewDecoder(r.Body).Decode(&body)
			callback = body.URL
			w.Header().Set("Location", "/hooks/7")
			w.WriteHeader(http.StatusCreated)
		case r.Method == http.MethodDelete:
			deletes = append(deletes, r.URL.Path)
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		}
	}))
	defer svc.Close()

	store := runtime.NewMemoryStore()
	hooks := httptest.NewUnstartedServer(nil)
	l, err := runtime.NewListener(store, "http://"+hooks.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hooks.Config.Handler = l
	hooks.Start()
	defer hooks.Close()

	c, err := africastalkingairtime.New(africastalkingairtime.Connection{APIKey: key}, runtime.WithBaseURL(svc.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SubscribeAirtimeStatusNotification(ctx, l, "sub-1", "sandbox"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	cb := callback
	mu.Unlock()
	if cb == "" || !bytes.HasPrefix([]byte(cb), []byte(hooks.URL+"/")) {
		t.Fatalf("callback URL %q is not under the listener %s", cb, hooks.URL)
	}
	resp, err := http.Post(cb, "application/json", bytes.NewReader([]byte(`{"status":"Success","requestId":"r-1"}`)))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("callback answered %d, want 202", resp.StatusCode)
	}

	got := make(chan map[string]any, 1)
	dctx, stop := context.WithCancel(ctx)
	go c.DeliverAirtimeStatusNotification(dctx, store, l, runtime.DeliveryConfig{Subscription: "sub-1", Interval: 10 * time.Millisecond},
		func(_ context.Context, ev map[string]any) error {
			got <- ev
			stop()
			return nil
		})
	select {
	case ev := <-got:
		if ev["status"] != "Success" || ev["requestId"] != "r-1" {
			t.Errorf("event = %v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no event delivered")
	}

	if err := c.UnsubscribeAirtimeStatusNotification(ctx, l, "sub-1"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(deletes) != 1 || deletes[0] != "/hooks/7" {
		t.Errorf("DELETEs = %v, want [/hooks/7] with the API key", deletes)
	}
}
