package runtime

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says when [Client.Do] re-sends a request. Requests are
// retried after a transport error (not after cancellation of the context)
// and after a 408, 429 or 5xx response; only idempotent methods are
// retried unless RetryNonIdempotent is set, and a body streamed from a
// reader that is not an io.Seeker is never re-sent.
//
// Retry n (n = 1, 2, ...) waits a random time between B/2 and B, where
// B = BaseDelay·2^(n-1) capped at MaxDelay ("full jitter" over the upper
// half). A Retry-After header (seconds or HTTP-date) raises the wait to
// its value; when it asks for more than MaxDelay, Do stops retrying and
// returns the response as an [*Error] rather than sleeping that long.
// Waiting ends early, with the context's error, when ctx is done.
//
// The zero RetryPolicy does not retry.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt;
	// 0 means no retry.
	MaxRetries int
	// BaseDelay is the backoff unit; 0 retries without waiting (except for
	// Retry-After).
	BaseDelay time.Duration
	// MaxDelay caps each wait; 0 means DefaultMaxDelay.
	MaxDelay time.Duration
	// RetryNonIdempotent also retries POST, PATCH and other methods that
	// are not idempotent.
	RetryNonIdempotent bool
}

// DefaultMaxDelay is the cap on one retry wait used when
// RetryPolicy.MaxDelay is 0.
const DefaultMaxDelay = 45 * time.Second

// DefaultRetryPolicy returns the policy a Client uses without [WithRetry]:
// 4 retries with 1 s base delay, at most 45 s apart, idempotent methods
// only. It mirrors the platform's default exponential policy of 4 retries
// (connector-protocol.md §8.1).
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 4, BaseDelay: time.Second, MaxDelay: DefaultMaxDelay}
}

func (p RetryPolicy) maxDelay() time.Duration {
	if p.MaxDelay <= 0 {
		return DefaultMaxDelay
	}
	return p.MaxDelay
}

// backoff is the wait before retry n (n >= 1).
func (p RetryPolicy) backoff(n int) time.Duration {
	if p.BaseDelay <= 0 {
		return 0
	}
	limit := p.maxDelay()
	d := p.BaseDelay
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryableStatus reports whether a response status is worth retrying.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 && code <= 599
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP-date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(time.Duration(1<<62)/time.Second) {
			n = int64(time.Duration(1<<62) / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
