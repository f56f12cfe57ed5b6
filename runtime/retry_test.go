package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func fastRetry(n int) RetryPolicy {
	return RetryPolicy{MaxRetries: n, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
}

func TestRetry(t *testing.T) {
	getOp := &Operation{ID: "Get", Method: "GET", Path: "/r"}
	postOp := &Operation{ID: "Post", Method: "POST", Path: "/r", Body: BodyJSON, Params: []Param{{Name: "body", In: InBody}}}
	failTimes := func(n, code int) func(w http.ResponseWriter, r *http.Request, i int) {
		return func(w http.ResponseWriter, r *http.Request, i int) {
			if i <= n {
				w.WriteHeader(code)
				return
			}
			w.Write([]byte("ok"))
		}
	}
	tests := []struct {
		name         string
		op           *Operation
		args         []Arg
		policy       RetryPolicy
		handle       func(w http.ResponseWriter, r *http.Request, n int)
		wantAttempts int
		wantStatus   int // 0: success
	}{
		{"503 then 200 on GET", getOp, nil, fastRetry(3), failTimes(1, 503), 2, 0},
		{"three 502 then 200", getOp, nil, fastRetry(3), failTimes(3, 502), 4, 0},
		{"408, 500, 429 then 200", getOp, nil, fastRetry(3), func(w http.ResponseWriter, r *http.Request, n int) {
			if n <= 3 {
				w.WriteHeader([]int{408, 500, 429}[n-1])
				return
			}
			w.Write([]byte("ok"))
		}, 4, 0},
		{"retries exhausted", getOp, nil, fastRetry(2), failTimes(9, 503), 3, 503},
		{"no retry on 404", getOp, nil, fastRetry(3), failTimes(9, 404), 1, 404},
		{"no retry on 501 without policy", getOp, nil, RetryPolicy{}, failTimes(9, 501), 1, 501},
		{"no retry for POST by default", postOp, []Arg{JSON(1)}, fastRetry(3), failTimes(1, 503), 1, 503},
		{"POST retried with RetryNonIdempotent", postOp, []Arg{JSON(1)},
			RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, RetryNonIdempotent: true}, failTimes(2, 429), 3, 0},
		{"transport error retried", getOp, nil, fastRetry(2), func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
				return
			}
			w.Write([]byte("ok"))
		}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.handle)
			c := newTestClient(t, s, WithRetry(tt.policy))
			var out string
			resp, err := c.Do(context.Background(), tt.op, tt.args, &out)
			if got := s.count(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if tt.wantStatus == 0 {
				if err != nil || out != "ok" || resp.StatusCode != 200 {
					t.Fatalf("Do = %v, %v, out %q", resp, err, out)
				}
				for i, r := range s.requests() {
					if tt.args != nil && string(r.Body) != "1" {
						t.Errorf("attempt %d body = %q", i+1, r.Body)
					}
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != tt.wantStatus {
				t.Fatalf("error = %v, want *Error with status %d", err, tt.wantStatus)
			}
			if resp == nil || resp.StatusCode != tt.wantStatus {
				t.Errorf("Response = %+v, want status %d", resp, tt.wantStatus)
			}
		})
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	c := newTestClient(t, s, WithRetry(RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Second}))
	start := time.Now()
	if _, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, want about 1s (Retry-After)", d)
	}
	if s.count() != 2 {
		t.Errorf("attempts = %d, want 2", s.count())
	}
}

func TestRetryAfterBeyondMaxDelay(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("come back later"))
	})
	c := newTestClient(t, s, WithRetry(RetryPolicy{MaxRetries: 4, BaseDelay: time.Millisecond, MaxDelay: time.Second}))
	start := time.Now()
	_, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v; want an immediate failure", d)
	}
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.Header.Get("Retry-After") != "3600" || string(e.Body) != "come back later" {
		t.Fatalf("error = %#v", err)
	}
	if s.count() != 1 {
		t.Errorf("attempts = %d, want 1", s.count())
	}
}

func TestRetryCancelDuringBackoff(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := newTestClient(t, s, WithRetry(RetryPolicy{MaxRetries: 4, BaseDelay: 20 * time.Second, MaxDelay: 40 * time.Second}))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Do(ctx, &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v; want prompt return on cancel", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if s.count() != 1 {
		t.Errorf("attempts = %d, want 1", s.count())
	}
}

func TestRetryCancelDuringRequest(t *testing.T) {
	release := make(chan struct{})
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newTestClient(t, s, WithRetry(fastRetry(4)))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want DeadlineExceeded", err)
	}
	if s.count() != 1 {
		t.Errorf("attempts = %d, want 1 (no retry after cancellation)", s.count())
	}
}

// onlyReader hides every method but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestRetryStreamBodies(t *testing.T) {
	raw := &Operation{ID: "Put", Method: "PUT", Path: "/b", Body: BodyRaw, Params: []Param{{Name: "body", In: InBody}}}
	multi := &Operation{ID: "Put", Method: "PUT", Path: "/m", Body: BodyMultipart, Params: []Param{
		{Name: "a", In: InFormData}, {Name: "f", In: InFormData, File: true}}}
	tests := []struct {
		name         string
		op           *Operation
		args         func() []Arg
		wantAttempts int
	}{
		{"seekable reader rewound", raw, func() []Arg {
			r := strings.NewReader("skip:payload")
			r.Seek(5, io.SeekStart) // rewound to here, not to 0
			return []Arg{Reader(r)}
		}, 3},
		{"non-seekable reader not retried", raw, func() []Arg {
			return []Arg{Reader(onlyReader{strings.NewReader("payload")})}
		}, 1},
		{"multipart file rewound", multi, func() []Arg {
			return []Arg{String("v"), File("f.bin", bytes.NewReader(bytes.Repeat([]byte("z"), 100<<10)))}
		}, 3},
		{"multipart non-seekable not retried", multi, func() []Arg {
			return []Arg{String("v"), File("f.bin", onlyReader{strings.NewReader("z")})}
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n < 3 {
					w.WriteHeader(http.StatusBadGateway)
				}
			})
			c := newTestClient(t, s, WithRetry(fastRetry(3)))
			c.Do(context.Background(), tt.op, tt.args(), nil)
			reqs := s.requests()
			if len(reqs) != tt.wantAttempts {
				t.Fatalf("attempts = %d, want %d", len(reqs), tt.wantAttempts)
			}
			if tt.op == raw && string(reqs[0].Body) != "payload" {
				t.Errorf("body = %q", reqs[0].Body)
			}
			for i := 1; i < len(reqs); i++ {
				if !bytes.Equal(reqs[i].Body, reqs[0].Body) {
					t.Errorf("attempt %d sent %d bytes, attempt 1 sent %d", i+1, len(reqs[i].Body), len(reqs[0].Body))
				}
				if reqs[i].Header.Get("Content-Type") != reqs[0].Header.Get("Content-Type") {
					t.Errorf("attempt %d changed Content-Type", i+1)
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{MaxRetries: 10, BaseDelay: time.Second, MaxDelay: 45 * time.Second}
	for n, hi := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 7: 45 * time.Second, 60: 45 * time.Second} {
		for range 50 {
			d := p.backoff(n)
			if d < hi/2 || d > hi {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, hi/2, hi)
			}
		}
	}
	if d := (RetryPolicy{}).backoff(3); d != 0 {
		t.Errorf("zero policy backoff = %v", d)
	}
	if d := (RetryPolicy{BaseDelay: time.Hour}).backoff(1); d > DefaultMaxDelay {
		t.Errorf("zero MaxDelay not capped at DefaultMaxDelay: %v", d)
	}
	if got := DefaultRetryPolicy(); got.MaxRetries != 4 || got.BaseDelay != time.Second || got.MaxDelay != 45*time.Second || got.RetryNonIdempotent {
		t.Errorf("DefaultRetryPolicy = %+v", got)
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second, true},
		{"Wed, 01 May 2024 11:00:00 GMT", 0, true},
		{"99999999999999999", time.Duration(1<<62) / time.Second * time.Second, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.v != "" {
			h.Set("Retry-After", tt.v)
		}
		got, ok := retryAfter(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}
