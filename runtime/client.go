package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client sends connector operations to one service. It is safe for
// concurrent use.
type Client struct {
	base      *url.URL // scheme and host
	basePath  string   // escaped, without trailing slash
	hc        *http.Client
	auth      Authorizer
	retry     RetryPolicy
	log       *slog.Logger
	userAgent string
	redact    redaction
	script    *scriptHook // WithScript (script.go); nil: none

	pol policyConfig // policy templates and connection parameters (policy.go)
}

// Response is the status and headers of a response that [Client.Do]
// received (returned with the decoded result, and with an [*Error]).
type Response struct {
	StatusCode int
	Header     http.Header
}

// Option configures a [Client].
type Option func(*options)

type options struct {
	baseURL    string
	hc         *http.Client
	auth       Authorizer
	retry      RetryPolicy
	middleware []Middleware
	logger     *slog.Logger
	userAgent  string
	script     *scriptHook // WithScript (script.go)

	// Policy templates (policy.go).
	policies   []*Policy
	connParams map[string]any
	baseURLSet bool // WithBaseURL was given: it wins over dynamichosturl
}

// Middleware wraps the transport of a [Client]. It sees every attempt,
// after credentials are attached.
type Middleware func(next http.RoundTripper) http.RoundTripper

// WithBaseURL replaces the base URL given to [NewClient] (scheme, host and
// base path), e.g. to point a generated client at a test server. It also
// wins over the connector's dynamichosturl policies (see policy.go).
func WithBaseURL(u string) Option {
	return func(o *options) { o.baseURL, o.baseURLSet = u, true }
}

// WithHTTPClient sets the *http.Client used to send requests (default: a
// client on http.DefaultTransport without a timeout; use contexts or
// http.Client.Timeout to bound calls). Middleware wraps its Transport in a
// copy; hc itself is not modified.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithAuth sets the Authorizer applied to every request of operations
// that do not have NoAuth.
func WithAuth(a Authorizer) Option { return func(o *options) { o.auth = a } }

// WithRetry sets the retry policy (default: [DefaultRetryPolicy]); pass
// RetryPolicy{} to disable retries.
func WithRetry(p RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithMiddleware adds transport middleware. Middleware is applied in
// order: the first is the outermost, seeing each request first and each
// response last.
func WithMiddleware(m ...Middleware) Option {
	return func(o *options) { o.middleware = append(o.middleware, m...) }
}

// WithLogger sets the logger (default: discard). The client logs one Debug
// record per attempt and an Info record per retry; header values, bodies
// and credential query values are never logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithUserAgent sets the User-Agent header (default "connectorgen").
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// NewClient returns a client for the service at baseURL
// (scheme://host/basePath; absolute, http or https, without query,
// fragment or user information). [WithBaseURL] overrides baseURL.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	o := options{baseURL: baseURL, retry: DefaultRetryPolicy(), userAgent: "connectorgen"}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	u, err := url.Parse(o.baseURL)
	if err != nil {
		return nil, fmt.Errorf("runtime: invalid base URL: %w", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("runtime: base URL %q: scheme must be http or https", o.baseURL)
	case u.Host == "":
		return nil, fmt.Errorf("runtime: base URL %q: no host", o.baseURL)
	case u.User != nil:
		return nil, errors.New("runtime: base URL must not contain user information; use WithAuth")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("runtime: base URL %q: must not have a query or fragment", o.baseURL)
	}
	hc := o.hc
	if hc == nil {
		hc = &http.Client{}
	}
	if len(o.middleware) > 0 {
		rt := hc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		for i := len(o.middleware) - 1; i >= 0; i-- {
			if o.middleware[i] != nil {
				rt = o.middleware[i](rt)
			}
		}
		c := *hc
		c.Transport = rt
		hc = &c
	}
	log := o.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pol, err := newPolicyConfig(&o, baseURL)
	if err != nil {
		return nil, err
	}
	return &Client{
		base:      &url.URL{Scheme: u.Scheme, Host: u.Host},
		basePath:  strings.TrimRight(u.EscapedPath(), "/"),
		hc:        hc,
		auth:      o.auth,
		retry:     o.retry,
		log:       log,
		userAgent: o.userAgent,
		redact:    newRedaction(o.auth),
		script:    o.script,
		pol:       pol,
	}, nil
}

// BaseURL returns the normalised base URL: scheme://host followed by the
// base path without a trailing slash.
func (c *Client) BaseURL() string {
	return c.base.Scheme + "://" + c.base.Host + c.basePath
}

// Do calls op with args, which are positional with op.Params (missing
// trailing args are "not given"). It builds the request, attaches
// credentials, sends it through middleware with retries, and decodes a 2xx
// response into out:
//
//   - nil: the body is discarded;
//   - *io.ReadCloser: the body is handed over and the caller must close it;
//   - *[]byte or *string: the body is read whole;
//   - any other pointer: the body is decoded with json.Unmarshal (an empty
//     body, e.g. 204, leaves out untouched); failure is a [*DecodeError].
//
// A non-2xx response is an [*Error]; the [Response] is returned with it. A
// required parameter without value or default fails before any I/O with
// an error wrapping [ErrMissingParameter].
func (c *Client) Do(ctx context.Context, op *Operation, args []Arg, out any) (*Response, error) {
	req, err := c.build(op, args)
	if err != nil {
		return nil, err
	}
	resp, _, _, err := c.send(ctx, op, req)
	if resp == nil {
		return nil, err
	}
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header}
	if err != nil {
		return r, err
	}
	return r, decode(op, resp, out)
}

// send is the one request loop of the runtime, used by Do and Poll: it
// sends req with credentials, middleware and logging, and applies the retry
// policy. A final 2xx response comes back undecoded with its body open,
// together with the request sent and the credential values it carried (for
// redaction). A final non-2xx response comes back closed, with an *Error; a
// transport failure or an interrupted wait has a nil response unless a
// response was already received.
func (c *Client) send(ctx context.Context, op *Operation, req *request) (*http.Response, *http.Request, []string, error) {
	if err := c.prepare(ctx, op, req); err != nil { // request-section policies (policy_apply.go)
		return nil, nil, nil, err
	}
	policy := c.retry
	idempotent := (&Operation{Method: req.method}).Idempotent()
	canRetry := (idempotent || policy.RetryNonIdempotent) && (req.body == nil || req.body.rewindable())
	for attempt := 1; ; attempt++ {
		hreq, err := c.attempt(ctx, op, req, !canRetry)
		if err != nil {
			return nil, nil, nil, err
		}
		// Log attributes are built only when a log line is written: the
		// request URL with credentials redacted costs allocations.
		var attrs []slog.Attr
		logAttrs := func() []slog.Attr {
			if attrs == nil {
				attrs = []slog.Attr{
					slog.String("operation", op.ID),
					slog.String("method", req.method),
					slog.String("url", c.logURL(hreq.URL)),
					slog.Int("attempt", attempt),
				}
			}
			return attrs
		}
		debug := c.log.Enabled(ctx, slog.LevelDebug)
		start := time.Now()
		resp, err := c.roundTrip(op, hreq) // custom code, if installed (script.go)
		if err != nil {
			// Credentials and secret connection values are scrubbed from
			// every error message (policy_apply.go).
			err = c.redact.err(err, c.secretValues(hreq))
			if debug {
				c.log.LogAttrs(ctx, slog.LevelDebug, "connector request",
					append(logAttrs(), slog.Duration("duration", time.Since(start)), slog.String("error", err.Error()))...)
			}
			if ctx.Err() != nil || !canRetry || attempt > policy.MaxRetries {
				return nil, nil, nil, fmt.Errorf("%s: %w", op.ID, err)
			}
			delay := policy.backoff(attempt)
			c.logRetry(ctx, logAttrs(), delay, slog.String("error", err.Error()))
			if err := sleep(ctx, delay); err != nil {
				return nil, nil, nil, fmt.Errorf("%s: waiting to retry: %w", op.ID, err)
			}
			continue
		}
		if debug {
			c.log.LogAttrs(ctx, slog.LevelDebug, "connector request",
				append(logAttrs(), slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)))...)
		}
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			if err := c.respond(ctx, op, req, resp); err != nil { // response-section policies
				discard(resp.Body)
				return nil, nil, nil, err
			}
			return resp, hreq, nil, nil
		}
		if canRetry && attempt <= policy.MaxRetries && retryableStatus(resp.StatusCode) {
			delay := policy.backoff(attempt)
			ra, hasRA := retryAfter(resp.Header, time.Now())
			if !hasRA || ra <= policy.maxDelay() {
				delay = max(delay, ra)
				discard(resp.Body)
				c.logRetry(ctx, logAttrs(), delay, slog.Int("status", resp.StatusCode))
				if err := sleep(ctx, delay); err != nil {
					return resp, nil, nil, fmt.Errorf("%s: waiting to retry after %s: %w", op.ID, resp.Status, err)
				}
				continue
			}
			c.log.LogAttrs(ctx, slog.LevelInfo, "connector request not retried: Retry-After exceeds MaxDelay",
				append(logAttrs(), slog.Int("status", resp.StatusCode), slog.Duration("retry_after", ra))...)
		}
		secrets := c.secretValues(hreq)
		return resp, nil, secrets, c.failed(ctx, op, req, resp, secrets) // newError after response/failure policies
	}
}

// attempt turns the built request into an *http.Request with credentials.
// With only (no retry can follow) the request's header map is handed over
// instead of copied, and the URL is copied into the request's own spare
// (no allocation): nothing reads them for another attempt. The values of
// the headers policies decided are kept aside before the Authorizer runs,
// since it may overwrite them in that shared map.
func (c *Client) attempt(ctx context.Context, op *Operation, req *request, only bool) (*http.Request, error) {
	// The URL is already parsed: NewRequest is given none, so it checks
	// the method without printing and re-parsing the URL.
	hreq, err := http.NewRequestWithContext(ctx, req.method, "", nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.ID, c.redact.err(err, nil))
	}
	if only {
		req.sent = req.url // the Authorizer may add credentials to the copy only
		hreq.URL = &req.sent
	} else {
		u := req.url
		hreq.URL = &u
	}
	hreq.Host = hreq.URL.Host
	if only && req.header != nil {
		hreq.Header = req.header
	} else {
		hreq.Header = req.header.Clone()
	}
	if b := req.body; b != nil {
		n := b.length()
		if n == 0 {
			hreq.Body = http.NoBody
		} else {
			rc, err := b.open(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: request body: %w", op.ID, err)
			}
			hreq.Body, hreq.ContentLength = rc, n
			if b.buffered() {
				hreq.GetBody = func() (io.ReadCloser, error) { return b.bytesReader(), nil }
			}
		}
	}
	saved := req.pol.save(hreq.Header)
	if !op.NoAuth && c.auth != nil {
		if err := c.auth.Authorize(hreq); err != nil {
			if hreq.Body != nil {
				hreq.Body.Close()
			}
			return nil, fmt.Errorf("%s: authorize: %w", op.ID, err)
		}
	}
	req.pol.reassert(hreq, saved) // headers decided by policies win over the Authorizer's
	return hreq, nil
}

func (c *Client) logRetry(ctx context.Context, attrs []slog.Attr, delay time.Duration, reason slog.Attr) {
	c.log.LogAttrs(ctx, slog.LevelInfo, "retrying connector request",
		append(attrs, reason, slog.Duration("delay", delay))...)
}

// decode stores a 2xx response in out (see Client.Do).
func decode(op *Operation, resp *http.Response, out any) error {
	if rc, ok := out.(*io.ReadCloser); ok {
		*rc = resp.Body
		return nil
	}
	defer resp.Body.Close()
	if out == nil {
		discard(resp.Body)
		return nil
	}
	b, err := readBody(resp)
	if err != nil {
		return fmt.Errorf("%s: reading response body: %w", op.ID, err)
	}
	switch o := out.(type) {
	case *[]byte:
		*o = b
	case *string:
		if op.Result != ResultJSON {
			*o = string(b) // text result: the body as it is
			break
		}
		// A JSON string result: decode it (the quotes are not part of the value).
		if len(bytes.TrimSpace(b)) == 0 {
			return nil
		}
		if err := json.Unmarshal(b, o); err != nil {
			return &DecodeError{OperationID: op.ID, StatusCode: resp.StatusCode, Body: bounded(b), Err: err}
		}
	default:
		if len(bytes.TrimSpace(b)) == 0 {
			return nil
		}
		if err := json.Unmarshal(b, out); err != nil {
			return &DecodeError{OperationID: op.ID, StatusCode: resp.StatusCode, Body: bounded(b), Err: err}
		}
	}
	return nil
}

func bounded(b []byte) []byte {
	if len(b) > MaxErrorBody {
		b = b[:MaxErrorBody]
	}
	return bytes.Clone(b)
}

// newError reads at most MaxErrorBody bytes of a failed response.
func newError(opID string, resp *http.Response, secrets []string) *Error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody+1))
	e := &Error{
		OperationID: opID,
		StatusCode:  resp.StatusCode,
		Status:      resp.Status,
		Header:      resp.Header,
		Body:        b,
		secrets:     secrets,
	}
	if len(b) > MaxErrorBody {
		e.Body, e.Truncated = b[:MaxErrorBody], true
	}
	return e
}

// discard drains a little of a body (so the connection can be reused) and
// closes it.
func discard(rc io.ReadCloser) {
	io.CopyN(io.Discard, rc, MaxErrorBody)
	rc.Close()
}

// readBody reads a response body in one allocation when its length is
// known (io.ReadAll grows a buffer step by step).
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > 1<<20 {
		return io.ReadAll(resp.Body)
	}
	b := make([]byte, n+1) // one spare byte: a body longer than announced is read on
	k, err := io.ReadFull(resp.Body, b)
	switch err {
	case io.ErrUnexpectedEOF, io.EOF:
		return b[:k], nil // shorter than or exactly as announced
	case nil:
		rest, err := io.ReadAll(resp.Body)
		return append(b, rest...), err
	}
	return b[:k], err
}
