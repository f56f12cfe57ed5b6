package africastalkingairtime_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/africastalkingairtime"
	"github.com/connectorgen/connectorgen/generator/internal/golden/africastalkingairtime/fake"
	"github.com/connectorgen/connectorgen/runtime"
)

// TestFake drives the generated client against the generated fake: a JSON
// body action and a query action with typed results, then the webhook
// trigger (subscribe with the callback URL filled in, EmitX → DeliverX,
// unsubscribe → DELETE at the fake).
func TestFake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := fake.New()
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := africastalkingairtime.New(africastalkingairtime.Connection{APIKey: "k"}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}

	var sent fake.SendAirtimeRequest
	f.HandleSendAirtime(func(_ context.Context, req fake.SendAirtimeRequest) (*africastalkingairtime.SendAirtimeResponse, error) {
		sent = req
		return &africastalkingairtime.SendAirtimeResponse{NumSent: runtime.Some(int32(len(req.Body.Recipients))), TotalAmount: runtime.Some("KES 20.00")}, nil
	})
	res, err := c.SendAirtime(ctx, africastalkingairtime.SendAirtimeRequest{
		Username:   "sandbox",
		Recipients: []africastalkingairtime.SendAirtimeRequestRecipientsItem{{PhoneNumber: "+254711000001", Amount: "KES 10.00"}, {PhoneNumber: "+254711000002", Amount: "KES 10.00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.NumSent.V != 2 || res.TotalAmount.V != "KES 20.00" {
		t.Errorf("SendAirtime = %+v", res)
	}
	if sent.Body.Username != "sandbox" || len(sent.Body.Recipients) != 2 || sent.Body.Recipients[1].PhoneNumber != "+254711000002" {
		t.Errorf("fake received %+v", sent.Body)
	}
	f.HandleFindTransactionStatus(func(_ context.Context, req fake.FindTransactionStatusRequest) (*africastalkingairtime.FindTransactionStatusResponse, error) {
		return &africastalkingairtime.FindTransactionStatusResponse{Status: runtime.Some(req.Username + "/" + req.TransactionID)}, nil
	})
	if st, err := c.FindTransactionStatus(ctx, "sandbox", "ATQid_1"); err != nil || st.Status.V != "sandbox/ATQid_1" {
		t.Errorf("FindTransactionStatus = %+v, %v", st, err)
	}

	store := runtime.NewMemoryStore()
	hooks := httptest.NewUnstartedServer(nil)
	l, err := runtime.NewListener(store, "http://"+hooks.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hooks.Config.Handler = l
	hooks.Start()
	defer hooks.Close()
	if err := c.SubscribeAirtimeStatusNotification(ctx, l, "status", "sandbox"); err != nil {
		t.Fatal(err)
	}
	cb, _ := l.CallbackURL(ctx, "status")
	if subs := f.SubscriptionsAirtimeStatusNotification(); len(subs) != 1 || subs[0].Callback != cb {
		t.Fatalf("fake subscriptions = %+v, want one with callback %s", subs, cb)
	}
	if err := f.EmitAirtimeStatusNotification(ctx, map[string]any{"status": "Success", "requestId": "r-1"}); err != nil {
		t.Fatal(err)
	}
	got := make(chan map[string]any, 1)
	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- c.DeliverAirtimeStatusNotification(dctx, store, l, runtime.DeliveryConfig{Subscription: "status", Interval: 10 * time.Millisecond},
			func(_ context.Context, ev map[string]any) error {
				got <- ev
				return nil
			})
	}()
	select {
	case ev := <-got:
		if ev["status"] != "Success" || ev["requestId"] != "r-1" {
			t.Errorf("delivered %v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no event before the deadline")
	}
	stop()
	<-done
	if err := c.UnsubscribeAirtimeStatusNotification(ctx, l, "status"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.SubscriptionsAirtimeStatusNotification()); n != 0 {
		t.Errorf("%d subscriptions left after unsubscribe", n)
	}
}
