package x365training_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/x365training"
	"github.com/connectorgen/connectorgen/generator/internal/golden/x365training/fake"
	"github.com/connectorgen/connectorgen/runtime"
)

// TestFake drives the generated client against the generated fake:
// typed action handlers (query parameters decoded into the client's
// types, typed results, a *fake.Error status, 501 without a handler) and a
// webhook trigger end to end (subscribe through a runtime.Listener,
// EmitX → callback → DeliverX, unsubscribe → DELETE at the fake).
func TestFake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := fake.New()
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := x365training.New(x365training.Connection{APIKey: "k"}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}

	// Actions.
	var got fake.ListCoursesRequest
	f.HandleListCourses(func(_ context.Context, req fake.ListCoursesRequest) (*x365training.CourseSummaryResponse, error) {
		got = req
		return &x365training.CourseSummaryResponse{
			Courses: []x365training.CourseSummaryResponseCoursesItem{{Title: runtime.Some("Go 101")}},
			More:    runtime.Some(false),
		}, nil
	})
	list, err := c.ListCourses(ctx, &x365training.ListCoursesOptions{PriceFrom: runtime.Some(9.5), IsNew: runtime.Some(true), PublishedFrom: runtime.Some(runtime.DateTime("2024-05-01T00:00:00Z"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Courses) != 1 || list.Courses[0].Title.V != "Go 101" || !list.More.Set || list.More.V {
		t.Errorf("ListCourses = %+v", list)
	}
	if got.PriceFrom != runtime.Some(9.5) || got.IsNew != runtime.Some(true) || got.PublishedFrom.V != "2024-05-01T00:00:00Z" || got.PriceTo.Set || got.MoreToken.Set {
		t.Errorf("fake received %+v", got)
	}
	f.HandleGetCourse(func(_ context.Context, req fake.GetCourseRequest) (*x365training.CourseDetail, error) {
		if req.ID != "c-1" {
			return nil, &fake.Error{Status: http.StatusNotFound, Body: map[string]string{"error": "no course " + req.ID}}
		}
		return &x365training.CourseDetail{CourseID: runtime.Some("c-1"), Title: runtime.Some("Go 101")}, nil
	})
	if d, err := c.GetCourse(ctx, "c-1"); err != nil || d.Title.V != "Go 101" {
		t.Errorf("GetCourse(c-1) = %+v, %v", d, err)
	}
	var apiErr *runtime.Error
	if _, err := c.GetCourse(ctx, "c-2"); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("GetCourse(c-2) = %v, want a 404 *runtime.Error", err)
	}
	if _, err := c.Search(ctx, "go"); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotImplemented {
		t.Errorf("Search without handler = %v, want 501", err)
	}

	// Webhook trigger.
	store := runtime.NewMemoryStore()
	hooks := httptest.NewUnstartedServer(nil)
	l, err := runtime.NewListener(store, "http://"+hooks.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hooks.Config.Handler = l
	hooks.Start()
	defer hooks.Close()
	if err := c.SubscribeNewCoursePublishedNotification(ctx, l, "published"); err != nil {
		t.Fatal(err)
	}
	subs := f.SubscriptionsNewCoursePublishedNotification()
	if len(subs) != 1 {
		t.Fatalf("fake has %d subscriptions, want 1", len(subs))
	}
	for _, title := range []string{"Go 101", "Go 102"} {
		if err := f.EmitNewCoursePublishedNotification(ctx, x365training.NewCoursePublishedNotificationEvent{Title: runtime.Some(title)}); err != nil {
			t.Fatal(err)
		}
	}
	events := make(chan x365training.NewCoursePublishedNotificationEvent, 2)
	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- c.DeliverNewCoursePublishedNotification(dctx, store, l, runtime.DeliveryConfig{Subscription: "published", Interval: 10 * time.Millisecond},
			func(_ context.Context, ev x365training.NewCoursePublishedNotificationEvent) error {
				events <- ev
				return nil
			})
	}()
	for _, want := range []string{"Go 101", "Go 102"} {
		select {
		case ev := <-events:
			if ev.Title.V != want {
				t.Errorf("delivered %+v, want title %q", ev, want)
			}
		case <-ctx.Done():
			t.Fatalf("no event %q before the deadline", want)
		}
	}
	stop()
	<-done
	if err := c.UnsubscribeNewCoursePublishedNotification(ctx, l, "published"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.SubscriptionsNewCoursePublishedNotification()); n != 0 {
		t.Errorf("%d subscriptions left after unsubscribe", n)
	}
	reqs := f.Requests()
	if last := reqs[len(reqs)-1]; last.Method != http.MethodDelete || last.Path != "/.fake/subscriptions/NewCoursePublishedNotification/1" {
		t.Errorf("last request = %s %s, want the DELETE of the subscription", last.Method, last.Path)
	}
	if err := f.EmitNewCoursePublishedNotification(ctx, x365training.NewCoursePublishedNotificationEvent{}); err == nil {
		t.Error("Emit without subscription succeeded")
	}
}
