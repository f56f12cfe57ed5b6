package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
	"github.com/connectorgen/connectorgen/runtime/storetest"
)

// TestMemoryStoreConformance runs the TriggerStore conformance suite
// against MemoryStore.
func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) runtime.TriggerStore {
		return runtime.NewMemoryStoreWithClock(now)
	})
}

// TestMemoryStoreDefaults checks the system clock default and input
// validation that the conformance suite leaves open.
func TestMemoryStoreDefaults(t *testing.T) {
	ctx := context.Background()
	s := runtime.NewMemoryStore()
	before := time.Now()
	if _, err := s.SaveSubscription(ctx, runtime.Subscription{ID: "s", Kind: "webhook"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Subscription(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if got.Created.Before(before) || got.Created.After(time.Now()) {
		t.Errorf("Created %v not from the system clock", got.Created)
	}
	if _, err := s.SaveSubscription(ctx, runtime.Subscription{}); err == nil {
		t.Error("SaveSubscription with empty ID succeeded")
	}
	if _, err := s.Lease(ctx, "s", "", time.Minute); err == nil {
		t.Error("Lease with empty owner succeeded")
	}
	if _, err := s.Key(ctx, "k", 0); err == nil {
		t.Error("Key of 0 bytes succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Subscription(cancelled, "s"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
