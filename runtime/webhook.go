package runtime

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Webhook triggers (connector-protocol §4).
//
// A [Listener] plays the platform's part of a webhook trigger: it
// subscribes to the service with a per-subscription callback URL of its
// own, stores every notification the service POSTs there in the
// subscription's inbox of a [TriggerStore], and unsubscribes with DELETE
// on the Location the service returned.
//
// Callback URLs are publicBaseURL/<id>/<token>, where token is
// base64url(HMAC-SHA256(key, id)) and key is the store's 256-bit
// "webhook-callback" secret. Like the platform's `sig` (§4.6) the URL is a
// bearer secret: whoever holds it can add events to the subscription.
//
// Callback answers. The platform's status codes for a bad signature or a
// removed trigger are UNCONFIRMED (§4.6); the choices made here are:
//
//   - 202 Accepted, empty body, once the event is durably in the inbox
//     (the platform's observed answer for an accepted run, §4.6);
//   - 404 Not Found for an unknown or non-webhook subscription AND for a
//     token that does not verify. §4.6 suggests 401/403 for a bad
//     signature; answering 404 instead means a caller without a valid URL
//     cannot tell whether a subscription id exists (ids are not probeable);
//   - 405 for any method other than POST, 413 for a body over the limit,
//     400 for a body that is not JSON, 500 when the store fails.
//
// Nothing is stored unless the answer is 202.

// CallbackKeyName is the [TriggerStore.Key] name of the secret that signs
// callback URLs.
const CallbackKeyName = "webhook-callback"

const (
	callbackKeySize    = 32      // 256-bit HMAC key
	defaultMaxBodySize = 1 << 20 // 1 MiB
)

// WebhookCursor is the JSON form of a webhook subscription's cursor.
type WebhookCursor struct {
	// Location is the URL of the service-side subscription (the subscribe
	// response's Location, resolved against the request URL); "" when the
	// service returned none.
	Location string `json:"location"`
	// Callback is the callback URL registered with the service.
	Callback string `json:"callback"`
	// Request is a SHA-256 fingerprint of the subscribe request (method,
	// URL, parameter headers and body with the callback URL, never the
	// credentials): Subscribe with the same request is a no-op.
	Request string `json:"request,omitempty"`
}

// Listener receives webhook callbacks. It is an http.Handler (mount it on
// your mux under its path prefix) and can run its own server ([Listener.Serve]).
type Listener struct {
	store    TriggerStore
	base     string // publicBaseURL without trailing slash
	basePath string // escaped path of base, without trailing slash ("" for the root)
	maxBody  int64

	// wake: RunWebhook wake-up channels per subscription id (see notify).
	wakeMu sync.Mutex
	wake   map[string]map[chan struct{}]struct{}
}

// ListenerOption configures a [Listener].
type ListenerOption func(*Listener)

// WithMaxBody sets the largest callback body accepted (default 1 MiB);
// larger bodies are answered 413. n <= 0 keeps the default.
func WithMaxBody(n int64) ListenerOption {
	return func(l *Listener) {
		if n > 0 {
			l.maxBody = n
		}
	}
}

// NewListener returns a listener storing callbacks in store.
// publicBaseURL is the URL under which the service can reach the listener,
// e.g. https://hooks.example.com/connectorgen (absolute http or https,
// without user information, query or fragment).
func NewListener(store TriggerStore, publicBaseURL string, opts ...ListenerOption) (*Listener, error) {
	if store == nil {
		return nil, errors.New("runtime: NewListener: nil store")
	}
	u, err := url.Parse(publicBaseURL)
	if err != nil {
		return nil, fmt.Errorf("runtime: NewListener: invalid public base URL: %w", err)
	}
	switch {
	case !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https"):
		return nil, fmt.Errorf("runtime: NewListener: public base URL %q: scheme must be http or https", publicBaseURL)
	case u.Host == "":
		return nil, fmt.Errorf("runtime: NewListener: public base URL %q: no host", publicBaseURL)
	case u.User != nil:
		return nil, errors.New("runtime: NewListener: public base URL must not contain user information")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("runtime: NewListener: public base URL %q: must not have a query or fragment", publicBaseURL)
	}
	l := &Listener{
		store:    store,
		base:     strings.TrimRight(publicBaseURL, "/"),
		basePath: strings.TrimRight(u.EscapedPath(), "/"),
		maxBody:  defaultMaxBodySize,
	}
	for _, o := range opts {
		if o != nil {
			o(l)
		}
	}
	return l, nil
}

// token returns base64url(HMAC-SHA256(key, id)) (256 bits).
func (l *Listener) token(ctx context.Context, id string) (string, error) {
	key, err := l.store.Key(ctx, CallbackKeyName, callbackKeySize)
	if err != nil {
		return "", fmt.Errorf("runtime: webhook callback key: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// CallbackURL returns the callback URL of subscription id:
// publicBaseURL + "/" + url.PathEscape(id) + "/" + token.
func (l *Listener) CallbackURL(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", errors.New("runtime: CallbackURL: empty subscription id")
	}
	tok, err := l.token(ctx, id)
	if err != nil {
		return "", err
	}
	return l.base + "/" + url.PathEscape(id) + "/" + tok, nil
}

// Subscribe creates the webhook subscription id for op (connector-protocol
// §4.2–4.3). It writes the callback URL into the JSON body argument
// args[bodyIndex] at jsonPath (property names from the body root, e.g.
// []string{"config", "url"}; missing objects are created), calls op
// through c (so the connection's auth applies) and stores the
// subscription with Kind "webhook" and a [WebhookCursor] holding the
// response's Location (resolved against the request URL) and the callback
// URL. Any 2xx counts as success (whether the platform accepts a 200 is
// UNCONFIRMED, §4.3). A non-2xx answer is returned as an [*Error] and
// nothing is stored.
//
// The body argument may be unset (then op.BodyDefault, if any, is the
// base), [JSON] or [RawJSON]; it must be a JSON object.
//
// Subscribe is meant to be called at every start of a program, with the
// same arguments: when id is already subscribed with the same request
// (same callback URL, parameters and body) nothing is sent and the
// subscription resumes as stored, inbox included. When the request
// differs, typically because the public base URL of the listener changed,
// Subscribe subscribes anew, stores the new Location (keeping the inbox),
// and only then sends DELETE to the old Location, so that no event is
// missed in between (a failed DELETE is logged, not returned: the new
// subscription is live). To force a new service-side subscription,
// Unsubscribe first. The subscription's Params are left empty: args
// cannot be stored generically.
func (l *Listener) Subscribe(ctx context.Context, c *Client, id string, op *Operation, args []Arg, bodyIndex int, jsonPath []string) error {
	switch {
	case c == nil:
		return errors.New("runtime: Subscribe: nil client")
	case op == nil:
		return errors.New("runtime: Subscribe: nil operation")
	case id == "":
		return errors.New("runtime: Subscribe: empty subscription id")
	case len(jsonPath) == 0:
		return fmt.Errorf("%s: Subscribe: empty notification URL path", op.ID)
	case bodyIndex < 0 || bodyIndex >= len(op.Params) || op.Params[bodyIndex].In != InBody:
		return fmt.Errorf("%s: Subscribe: parameter %d is not the body parameter", op.ID, bodyIndex)
	}
	var prev *WebhookCursor // the stored subscription's cursor, nil when new
	if old, err := l.store.Subscription(ctx, id); err == nil {
		if old.Kind != "webhook" {
			return fmt.Errorf("runtime: Subscribe: subscription %q is of kind %q, not webhook", id, old.Kind)
		}
		prev = &WebhookCursor{}
		if len(old.Cursor) > 0 {
			if err := json.Unmarshal(old.Cursor, prev); err != nil {
				return fmt.Errorf("runtime: Subscribe: subscription %q: cursor: %w", id, err)
			}
		}
	} else if !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("runtime: Subscribe: %w", err)
	}
	cb, err := l.CallbackURL(ctx, id)
	if err != nil {
		return err
	}

	var a Arg
	if bodyIndex < len(args) {
		a = args[bodyIndex]
	}
	var raw []byte
	switch a.kind {
	case argUnset:
		raw = []byte("{}") // merged over op.BodyDefault when building
	case argRawJSON:
		raw = a.raw
	case argJSON, argText, argList:
		if raw, err = json.Marshal(a.v); err != nil {
			return fmt.Errorf("%s: Subscribe: body: %w", op.ID, err)
		}
	default:
		return fmt.Errorf("%s: Subscribe: body must be a JSON value, not a stream", op.ID)
	}
	cbJSON, _ := json.Marshal(cb)
	filled, err := setJSONPath(raw, jsonPath, cbJSON)
	if err != nil {
		return fmt.Errorf("%s: Subscribe: body: %w", op.ID, err)
	}
	all := make([]Arg, max(len(args), bodyIndex+1))
	copy(all, args)
	all[bodyIndex] = RawJSON(filled)

	req, err := c.build(op, all)
	if err != nil {
		return err
	}
	fp := requestFingerprint(op, req, filled)
	if prev != nil && prev.Request == fp && prev.Callback == cb {
		// Already subscribed with this very request: resume. Said in the
		// log, since a subscription the service dropped meanwhile is not
		// noticed here (Unsubscribe first to subscribe anew).
		c.log.InfoContext(ctx, "webhook: resuming the stored subscription (same request and callback URL)",
			"subscription", id, "operation", op.ID)
		return nil
	}
	resp, hreq, _, err := c.send(ctx, op, req)
	if err != nil {
		return err
	}
	loc, err := c.pollNext("", &req.url, resp, hreq)
	discard(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", op.ID, err)
	}
	cur, err := json.Marshal(WebhookCursor{Location: loc, Callback: cb, Request: fp})
	if err != nil {
		return err
	}
	s := Subscription{ID: id, Operation: op.ID, Kind: "webhook", Cursor: cur, Version: AnyVersion}
	if _, err := l.store.SaveSubscription(ctx, s); err != nil {
		// The service-side subscription exists but is not recorded.
		return fmt.Errorf("runtime: Subscribe: storing subscription %q (service Location %q): %w",
			id, c.redact.urlString(loc), err)
	}
	if prev != nil && prev.Location != "" && prev.Location != loc {
		// The replaced service-side subscription: removed only now that
		// the new one is recorded, so no notification falls in a gap.
		if err := l.deleteLocation(ctx, c, op.ID, prev.Location); err != nil {
			c.log.WarnContext(ctx, "webhook: re-subscribed, but the old service-side subscription could not be deleted",
				"subscription", id, "operation", op.ID, "error", err)
		} else {
			c.log.InfoContext(ctx, "webhook: re-subscribed (the subscribe request or callback URL changed)",
				"subscription", id, "operation", op.ID)
		}
	}
	return nil
}

// requestFingerprint is a SHA-256 over what identifies a subscribe
// request: operation, method, URL, parameter headers (the Authorizer adds
// credentials later, so none are included) and the JSON body with the
// callback URL.
func requestFingerprint(op *Operation, req *request, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", op.ID, req.method, req.url.String())
	keys := make([]string, 0, len(req.header))
	for k := range req.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s: %q\n", k, req.header[k])
	}
	h.Write(body)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// setJSONPath returns the JSON object raw with val set at path, creating
// missing objects. Other members are kept verbatim.
func setJSONPath(raw []byte, path []string, val json.RawMessage) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if m == nil { // JSON null
		m = make(map[string]json.RawMessage)
	}
	if len(path) == 1 {
		m[path[0]] = val
		return json.Marshal(m)
	}
	child, ok := m[path[0]]
	if !ok {
		child = json.RawMessage("{}")
	}
	v, err := setJSONPath(child, path[1:], val)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", path[0], err)
	}
	m[path[0]] = v
	return json.Marshal(m)
}

// Unsubscribe removes subscription id (connector-protocol §4.4): it sends
// DELETE to the stored Location through c, with the connection's auth
// (the platform may drop API keys here, PowerPlatformConnectors issue
// #3678; this runtime does not), then deletes the subscription with its
// inbox and dead letters. Without a stored Location the subscription is
// only deleted, and a warning is logged (the service-side subscription
// cannot be removed). A failed DELETE is returned and the subscription is
// kept so the call can be repeated; a 404 or 410 from the service counts
// as already removed.
func (l *Listener) Unsubscribe(ctx context.Context, c *Client, id string) error {
	if c == nil {
		return errors.New("runtime: Unsubscribe: nil client")
	}
	s, err := l.store.Subscription(ctx, id)
	if err != nil {
		return fmt.Errorf("runtime: Unsubscribe %q: %w", id, err)
	}
	if s.Kind != "webhook" {
		return fmt.Errorf("runtime: Unsubscribe: subscription %q is of kind %q, not webhook", id, s.Kind)
	}
	var cur WebhookCursor
	if len(s.Cursor) > 0 {
		if err := json.Unmarshal(s.Cursor, &cur); err != nil {
			return fmt.Errorf("runtime: Unsubscribe: subscription %q: cursor: %w", id, err)
		}
	}
	if cur.Location == "" {
		c.log.WarnContext(ctx, "webhook: no Location stored; the service-side subscription cannot be deleted",
			"subscription", id, "operation", s.Operation)
	} else if err := l.deleteLocation(ctx, c, s.Operation, cur.Location); err != nil {
		return err
	}
	if err := l.store.DeleteSubscription(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("runtime: Unsubscribe %q: %w", id, err)
	}
	return nil
}

// deleteLocation sends DELETE to a service-side subscription's Location
// with the connection's auth; 404 and 410 count as already removed.
func (l *Listener) deleteLocation(ctx context.Context, c *Client, opID, loc string) error {
	op := &Operation{ID: opID + ".unsubscribe", Method: http.MethodDelete}
	req, err := c.pollRequest(op, nil, loc)
	if err != nil {
		return err
	}
	resp, _, _, err := c.send(ctx, op, req)
	var e *Error
	switch {
	case err == nil:
		discard(resp.Body)
	case errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone):
		// Already gone at the service.
	default:
		return err
	}
	return nil
}

// ServeHTTP handles a callback: POST <mount>/<id>/<token> with a JSON
// body. See the notes at the top of webhook.go for the answers.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id, tok, ok := l.parsePath(r.URL)
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	want, err := l.token(ctx, id)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// Bad token: 404, not 401/403, so that ids cannot be probed (UNCONFIRMED
	// platform behaviour, see the notes above).
	if !hmac.Equal([]byte(tok), []byte(want)) {
		http.NotFound(w, r)
		return
	}
	s, err := l.store.Subscription(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		http.NotFound(w, r)
		return
	case err != nil:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case s.Kind != "webhook":
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, l.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}
	if !json.Valid(body) {
		http.Error(w, "request body is not JSON", http.StatusBadRequest)
		return
	}
	if _, err := l.store.Commit(ctx, id, AnyVersion, nil, [][]byte{body}); err != nil {
		if errors.Is(err, ErrNotFound) { // unsubscribed meanwhile
			http.NotFound(w, r)
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	l.notify(id)
	// Only now is the event durable: 202 Accepted (UNCONFIRMED code, §4.6).
	w.WriteHeader(http.StatusAccepted)
}

// parsePath extracts id and token from the request path: the path of
// publicBaseURL is stripped when present (then exactly two segments must
// remain), otherwise the last two segments are used (e.g. when mounted
// with http.StripPrefix).
func (l *Listener) parsePath(u *url.URL) (id, tok string, ok bool) {
	p := u.EscapedPath()
	var segs []string
	if l.basePath != "" && strings.HasPrefix(p, l.basePath+"/") {
		segs = strings.Split(strings.TrimPrefix(p, l.basePath+"/"), "/")
		if len(segs) != 2 {
			return "", "", false
		}
	} else {
		segs = strings.Split(strings.TrimPrefix(p, "/"), "/")
		if len(segs) < 2 {
			return "", "", false
		}
		segs = segs[len(segs)-2:]
	}
	id, err := url.PathUnescape(segs[0])
	if err != nil || id == "" || segs[1] == "" {
		return "", "", false
	}
	return id, segs[1], true
}

// Serve answers callbacks on ln with its own http.Server until ctx ends,
// then shuts the server down gracefully (up to 5 seconds) and returns
// ctx.Err(). Other server errors are returned as they occur.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           l,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-errc
		return ctx.Err()
	}
}

// watch registers a wake-up channel for subscription id: notify(id) sends
// to it without blocking (it has a buffer of 1, so a wake-up arriving
// while the receiver is busy is kept). cancel unregisters it.
func (l *Listener) watch(id string) (ch chan struct{}, cancel func()) {
	ch = make(chan struct{}, 1)
	l.wakeMu.Lock()
	defer l.wakeMu.Unlock()
	if l.wake == nil {
		l.wake = make(map[string]map[chan struct{}]struct{})
	}
	if l.wake[id] == nil {
		l.wake[id] = make(map[chan struct{}]struct{})
	}
	l.wake[id][ch] = struct{}{}
	return ch, func() {
		l.wakeMu.Lock()
		defer l.wakeMu.Unlock()
		delete(l.wake[id], ch)
		if len(l.wake[id]) == 0 {
			delete(l.wake, id)
		}
	}
}

// notify wakes the RunWebhook loops watching subscription id; ServeHTTP
// calls it after a successful Commit.
func (l *Listener) notify(id string) {
	l.wakeMu.Lock()
	defer l.wakeMu.Unlock()
	for ch := range l.wake[id] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
