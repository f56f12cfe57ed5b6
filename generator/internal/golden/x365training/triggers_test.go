package x365training_test

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

	"github.com/connectorgen/connectorgen/generator/internal/golden/x365training"
	"github.com/connectorgen/connectorgen/runtime"
)

// 365Training authenticates with an API key in the
// Ocp-Apim-Subscription-Key header (securityDefinitions "API Key").
const hookKey = "365-hook-key"

// hookRequest is one request the fake 365Training received.
type hookRequest struct {
	Method, Path, RawQuery, Key, ContentType string
	Body                                     map[string]any
}

// hookFake serves the three webhook triggers of the swagger:
// POST /NewIdeaNotification, /NewCourseUserNotification and
// /NewCoursePublishedNotification, each with the JSON body {"targeturl":
// <x-ms-notification-url>}, answering 200 (the swagger's response) with a
// relative Location naming the subscription; DELETE on a Location removes
// it.
type hookFake struct {
	mu    sync.Mutex
	reqs  []hookRequest
	hooks map[string]string // subscription path → targeturl
}

func (f *hookFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	json.Unmarshal(b, &body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, hookRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Ocp-Apim-Subscription-Key"), r.Header.Get("Content-Type"), body})
	if r.Header.Get("Ocp-Apim-Subscription-Key") != hookKey {
		http.Error(w, "missing subscription key", http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/NewIdeaNotification", "/NewCourseUserNotification", "/NewCoursePublishedNotification":
		url, _ := body["targeturl"].(string)
		if r.Method != http.MethodPost || !strings.HasPrefix(url, "http") {
			http.Error(w, "want POST with targeturl", http.StatusBadRequest)
			return
		}
		p := r.URL.Path + "/subscription"
		f.hooks[p] = url
		w.Header().Set("Location", p)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`"Success"`))
	default:
		if r.Method == http.MethodDelete && f.hooks[r.URL.Path] != "" {
			delete(f.hooks, r.URL.Path)
			w.WriteHeader(http.StatusOK)
			return
		}
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

// notify POSTs one notification to a callback URL, as the service does.
func notify(t *testing.T, callback, body string) {
	t.Helper()
	resp, err := http.Post(callback, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("callback answered %d, want 202", resp.StatusCode)
	}
}

// deliver runs a generated DeliverX until n events arrived (or the
// deadline of ctx), then stops it and checks that it ended with
// context.Canceled.
func deliver[E any](t *testing.T, ctx context.Context, n int, run func(context.Context, func(context.Context, E) error) error) []E {
	t.Helper()
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	events := make(chan E, n+10)
	errc := make(chan error, 1)
	go func() {
		errc <- run(dctx, func(_ context.Context, ev E) error {
			events <- ev
			return nil
		})
	}()
	var got []E
	for len(got) < n {
		select {
		case ev := <-events:
			got = append(got, ev)
		case err := <-errc:
			t.Fatalf("delivery ended early: %v", err)
		case <-ctx.Done():
			t.Fatalf("%d events delivered before the deadline, want %d", len(got), n)
		}
	}
	stop()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("delivery ended with %v, want context.Canceled", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("unexpected extra event %+v", ev)
	default:
	}
	return got
}

// TestWebhookTriggers subscribes to all three webhook triggers through one
// Listener (mounted at the root of an httptest server): each subscribe
// request is POST <trigger path> with the API key header and exactly
// {"targeturl": <the subscription's callback URL>}; the fake posts
// notifications shaped like each x-ms-notification-content schema,
// interleaved across the three callbacks; each DeliverX hands only its own
// subscription's events, typed and in order; UnsubscribeX sends DELETE to
// each relative Location (resolved against the service) with the API key.
func TestWebhookTriggers(t *testing.T) {
	f := &hookFake{hooks: map[string]string{}}
	svc := httptest.NewServer(f)
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
	c, err := x365training.New(x365training.Connection{APIKey: hookKey}, runtime.WithBaseURL(svc.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	subs := []struct {
		id, path  string
		subscribe func(context.Context, *runtime.Listener, string) error
	}{
		{"ideas", "/NewIdeaNotification", c.SubscribeNewIdeaNotification},
		{"course-news", "/NewCourseUserNotification", c.SubscribeNewCourseUserNotification},
		{"published", "/NewCoursePublishedNotification", c.SubscribeNewCoursePublishedNotification},
	}
	cbs := map[string]string{}
	for _, s := range subs {
		if err := s.subscribe(ctx, l, s.id); err != nil {
			t.Fatalf("subscribe %s: %v", s.id, err)
		}
		cb, err := l.CallbackURL(ctx, s.id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(cb, hooks.URL+"/"+s.id+"/") {
			t.Fatalf("callback URL %q is not under the listener %s", cb, hooks.URL)
		}
		cbs[s.id] = cb
		reqs := f.requests()
		if want := map[string]any{"targeturl": cb}; len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != s.path ||
			reqs[0].RawQuery != "" || reqs[0].Key != hookKey || reqs[0].ContentType != "application/json" || !reflect.DeepEqual(reqs[0].Body, want) {
			t.Errorf("subscribe %s sent %+v, want one POST %s with the API key and body %v", s.id, reqs, s.path, want)
		}
		st, err := store.Subscription(ctx, s.id)
		if err != nil {
			t.Fatal(err)
		}
		var cur runtime.WebhookCursor
		json.Unmarshal(st.Cursor, &cur)
		if want := svc.URL + s.path + "/subscription"; cur.Location != want || cur.Callback != cb {
			t.Errorf("%s: stored cursor %+v, want Location %s", s.id, cur, want)
		}
	}

	// Notifications as the x-ms-notification-content schemas describe them, interleaved.
	notify(t, cbs["ideas"], `{"ideaid":"i-1","ideasetid":"set-9","idea":"Dark mode","details":"Please add dark mode","votes":"3","courseid":"c-7"}`)
	notify(t, cbs["course-news"], `{"notificationid":"n-1","courseid":"c-7","coursetitle":"Excel basics","topic":"New module","details":"Module 4 is live","publishdate":"2024-05-01T09:30:00Z","courseurl":"https://365.training/c-7"}`)
	notify(t, cbs["published"], `{"courseid":"c-8","title":"Power BI","price":"0","isnew":"true","publisheddate":"2024-05-02"}`)
	notify(t, cbs["ideas"], `{"ideaid":"i-2","idea":"Offline mode","votes":"0"}`)
	notify(t, cbs["course-news"], `{"notificationid":"n-2","topic":"Reminder","publishdate":"05/03/2024 08:00"}`)

	ideas := deliver(t, ctx, 2, func(ctx context.Context, h func(context.Context, x365training.NewIdeaNotificationEvent) error) error {
		return c.DeliverNewIdeaNotification(ctx, store, l, runtime.DeliveryConfig{Subscription: "ideas", Interval: 10 * time.Millisecond}, h)
	})
	wantIdeas := []x365training.NewIdeaNotificationEvent{
		{Ideaid: runtime.Some("i-1"), Ideasetid: runtime.Some("set-9"), Idea: runtime.Some("Dark mode"), Details: runtime.Some("Please add dark mode"), Votes: runtime.Some("3"), Courseid: runtime.Some("c-7")},
		{Ideaid: runtime.Some("i-2"), Idea: runtime.Some("Offline mode"), Votes: runtime.Some("0")},
	}
	if !reflect.DeepEqual(ideas, wantIdeas) {
		t.Errorf("idea events = %+v, want %+v", ideas, wantIdeas)
	}

	news := deliver(t, ctx, 2, func(ctx context.Context, h func(context.Context, x365training.CourseUserNotification) error) error {
		return c.DeliverNewCourseUserNotification(ctx, store, l, runtime.DeliveryConfig{Subscription: "course-news", Interval: 10 * time.Millisecond}, h)
	})
	wantNews := []x365training.CourseUserNotification{
		{Notificationid: runtime.Some("n-1"), Courseid: runtime.Some("c-7"), Coursetitle: runtime.Some("Excel basics"), Topic: runtime.Some("New module"),
			Details: runtime.Some("Module 4 is live"), Publishdate: runtime.Some[runtime.DateTime]("2024-05-01T09:30:00Z"), Courseurl: runtime.Some("https://365.training/c-7")},
		// a date-time the format does not describe is kept as the service's text
		{Notificationid: runtime.Some("n-2"), Topic: runtime.Some("Reminder"), Publishdate: runtime.Some[runtime.DateTime]("05/03/2024 08:00")},
	}
	if !reflect.DeepEqual(news, wantNews) {
		t.Errorf("course notifications = %+v, want %+v", news, wantNews)
	}
	if tm, err := news[0].Publishdate.V.Time(); err != nil || !tm.Equal(time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("publishdate parses as %v, %v", tm, err)
	}

	published := deliver(t, ctx, 1, func(ctx context.Context, h func(context.Context, x365training.NewCoursePublishedNotificationEvent) error) error {
		return c.DeliverNewCoursePublishedNotification(ctx, store, l, runtime.DeliveryConfig{Subscription: "published", Interval: 10 * time.Millisecond}, h)
	})
	if want := (x365training.NewCoursePublishedNotificationEvent{Courseid: runtime.Some("c-8"), Title: runtime.Some("Power BI"), Price: runtime.Some("0"),
		Isnew: runtime.Some("true"), Publisheddate: runtime.Some("2024-05-02")}); published[0] != want {
		t.Errorf("published event = %+v, want %+v", published[0], want)
	}

	for _, u := range []struct {
		id, loc     string
		unsubscribe func(context.Context, *runtime.Listener, string) error
	}{
		{"ideas", "/NewIdeaNotification/subscription", c.UnsubscribeNewIdeaNotification},
		{"course-news", "/NewCourseUserNotification/subscription", c.UnsubscribeNewCourseUserNotification},
		{"published", "/NewCoursePublishedNotification/subscription", c.UnsubscribeNewCoursePublishedNotification},
	} {
		if err := u.unsubscribe(ctx, l, u.id); err != nil {
			t.Fatalf("unsubscribe %s: %v", u.id, err)
		}
		reqs := f.requests()
		if len(reqs) != 1 || reqs[0].Method != http.MethodDelete || reqs[0].Path != u.loc || reqs[0].Key != hookKey {
			t.Errorf("unsubscribe %s sent %+v, want one DELETE %s with the API key", u.id, reqs, u.loc)
		}
		if _, err := store.Subscription(ctx, u.id); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("subscription %s after unsubscribe: %v", u.id, err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.hooks) != 0 {
		t.Errorf("service-side subscriptions left: %v", f.hooks)
	}
}
