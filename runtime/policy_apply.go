package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/runtime/expr"
)

// reqPolicy is the policy state of one request (see policy.go); nil when
// neither the client nor the operation has policies.
type reqPolicy struct {
	vals     []value  // the parameter values the request was built from
	method   string   // the operation's method (@Request.OriginalHTTPMethod)
	basePath string   // escaped base path in effect (dynamichosturl changes it)
	done     bool     // the request-section policies have run
	owned    []string // canonical names of headers whose values policies decided

	// Storage for owned and for prepare's run, so that the usual request
	// allocates no more than the request itself.
	ownedBuf [2]string
	savedBuf [2][]string
	run      policyRun
}

// newReqPolicy is called by build for operations with policies.
func (c *Client) newReqPolicy(r *request, vals []value) *reqPolicy {
	r.polState = reqPolicy{vals: vals, method: r.method, basePath: c.basePath}
	r.polState.owned = r.polState.ownedBuf[:0]
	return &r.polState
}

// save returns the values (nil: absent) of the headers policies decided,
// taken before the Authorizer runs on an attempt.
func (rp *reqPolicy) save(h http.Header) [][]string {
	if rp == nil || len(rp.owned) == 0 {
		return nil
	}
	saved := rp.savedBuf[:0]
	for _, name := range rp.owned {
		saved = append(saved, h[name])
	}
	return saved
}

// reassert restores the headers policies decided (saved before the
// Authorizer ran on an attempt): policies run after credentials on the
// platform.
func (rp *reqPolicy) reassert(hreq *http.Request, saved [][]string) {
	if rp == nil {
		return
	}
	for i, name := range rp.owned {
		if vs := saved[i]; vs != nil {
			hreq.Header[name] = slices.Clone(vs)
		} else {
			hreq.Header.Del(name)
		}
	}
}

// phase is when a policy runs; templates whose only meaningful phase is the
// response run there whatever their section says.
func (p *Policy) phase() PolicySection {
	switch p.Template {
	case PolicyUpdateNextLink, PolicySetConnectionStatusToUnauthenticated:
		return ResponseSection
	}
	return p.Section
}

// maxPolicyBody is the largest response body response policies transform
// (they hold it in memory, decoded); a larger one is passed on untouched.
const maxPolicyBody = 32 << 20

// policyRun is one application of policies to a request or a response. It
// is the expression environment ([expr.Env]) of their templates.
type policyRun struct {
	c        *Client
	ctx      context.Context
	op       *Operation
	req      *request
	rp       *reqPolicy
	verbatim bool           // the caller set the URL (Location, next link)
	resp     *http.Response // the response, on the response side

	bodyRead bool
	skipBody bool   // the response body is left alone (a stream, or too large)
	raw      []byte // the body as received or built
	doc      any    // decoded JSON body; valid when hasDoc
	hasDoc   bool
	order    keyOrder // member order of the body's objects (policy_json.go)
	dirty    bool     // doc changed: re-encode

	item    any
	hasItem bool

	probed     bool
	credHeader http.Header // headers the Authorizer sets
	credQuery  url.Values  // query parameters the Authorizer adds
	err        error       // a failure inside an Env method (authorizer, body read)
}

// prepare applies the request-section policies, once per request. send
// calls it; Poll calls it earlier so that the URL it stores is the one sent.
func (c *Client) prepare(ctx context.Context, op *Operation, req *request) error {
	rp := req.pol
	if rp == nil || rp.done {
		return nil
	}
	rp.done = true
	run := &rp.run
	*run = policyRun{c: c, ctx: ctx, op: op, req: req, rp: rp, verbatim: req.given}
	err := c.eachPolicy(op, func(p *Policy) error {
		if p.phase() != RequestSection {
			return nil
		}
		comp, err := p.compiled()
		if err != nil {
			return fmt.Errorf("%s: %w", op.ID, err)
		}
		run.item, run.hasItem = nil, false
		if err := run.request(p, comp); err != nil {
			return fmt.Errorf("%s: %s: %w", op.ID, p.describe(), err)
		}
		if run.err != nil {
			return fmt.Errorf("%s: %s: %w", op.ID, p.describe(), run.err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if run.dirty {
		b, err := encodeOrdered(run.doc, run.order)
		if err != nil {
			return fmt.Errorf("%s: encoding the body changed by policies: %w", op.ID, err)
		}
		req.body = bytesBody(b)
	}
	return nil
}

// request applies one request-section policy.
func (r *policyRun) request(p *Policy, comp *compiledPolicy) error {
	switch p.Template {
	case PolicySetHeader:
		v, err := comp.value.Eval(r)
		if err != nil {
			return err
		}
		r.setRequestHeader(p.Name, v, p.Exists)
	case PolicySetQueryParameter:
		if r.verbatim && p.Exists == ExistsAppend {
			return nil
		}
		v, err := comp.value.Eval(r)
		if err != nil {
			return err
		}
		r.setQuery(p.Name, v, p.Exists)
	case PolicyDynamicHostURL, PolicyDynamicSubdomain:
		if r.verbatim || r.c.pol.explicit {
			return nil
		}
		return r.dynamicHost(comp)
	case PolicyRouteRequest:
		if r.verbatim {
			return nil
		}
		return r.route(comp)
	case PolicySetValueFromURL:
		return r.valueFromURL(p, comp)
	default:
		return r.transform(p, comp, false)
	}
	return nil
}

// respond applies the response-section policies (and, for an error
// response, the failure-section ones) to the final response of a request:
// headers in place, and the body replaced by the transformed one.
func (c *Client) respond(ctx context.Context, op *Operation, req *request, resp *http.Response) error {
	if req.pol == nil {
		return nil
	}
	failed := resp.StatusCode < 200 || resp.StatusCode > 299
	applies := func(p *Policy) bool {
		ph := p.phase()
		return ph == ResponseSection || ph == FailureSection && failed
	}
	found := false
	c.eachPolicy(op, func(p *Policy) error {
		found = found || applies(p)
		return nil
	})
	if !found {
		return nil // most calls: no policy state to allocate
	}
	run := &policyRun{c: c, ctx: ctx, op: op, req: req, rp: req.pol, resp: resp}
	err := c.eachPolicy(op, func(p *Policy) error {
		if !applies(p) {
			return nil
		}
		comp, err := p.compiled()
		if err != nil {
			return fmt.Errorf("%s: %w", op.ID, err)
		}
		run.item, run.hasItem = nil, false
		if err := run.response(p, comp); err != nil {
			return fmt.Errorf("%s: %s: %w", op.ID, p.describe(), err)
		}
		if run.err != nil {
			return fmt.Errorf("%s: %s: %w", op.ID, p.describe(), run.err)
		}
		return nil
	})
	if run.bodyRead {
		b := run.raw
		if err == nil && run.dirty {
			if b, err = encodeOrdered(run.doc, run.order); err != nil {
				err = fmt.Errorf("%s: encoding the response body changed by policies: %w", op.ID, err)
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		if resp.Header.Get("Content-Length") != "" {
			resp.Header.Set("Content-Length", fmt.Sprint(len(b)))
		}
	}
	return err
}

// response applies one response-section policy. The templates that only
// make sense on a request (the generator warns about them) do nothing.
func (r *policyRun) response(p *Policy, comp *compiledPolicy) error {
	switch p.Template {
	case PolicySetHeader:
		v, err := comp.value.Eval(r)
		if err != nil {
			return err
		}
		h := r.resp.Header
		name := http.CanonicalHeaderKey(p.Name)
		switch {
		case p.Exists == ExistsSkip && len(h.Values(name)) > 0:
		case p.Exists == ExistsAppend:
			h.Add(name, v)
		default:
			h.Set(name, v)
		}
	case PolicyUpdateNextLink:
		return r.updateNextLink(p, comp)
	case PolicySetConnectionStatusToUnauthenticated:
		// Handled by unauthenticated, on the error.
	case PolicySetProperty, PolicyConvertObjectToArray, PolicyConvertArrayToObject, PolicyStringToArray,
		PolicyStringReplace, PolicyEncodePropertyValue, PolicyMoveProperties:
		return r.transform(p, comp, true)
	}
	return nil
}

// failed turns a final error response into the *Error returned to the
// caller: response and failure policies first, then the *Error, wrapped in
// an *UnauthenticatedError when a setconnectionstatustounauthenticated
// policy names its status.
func (c *Client) failed(ctx context.Context, op *Operation, req *request, resp *http.Response, secrets []string) error {
	if err := c.respond(ctx, op, req, resp); err != nil {
		discard(resp.Body)
		return err
	}
	e := newError(op.ID, resp, secrets)
	if req.pol == nil {
		return e
	}
	unauth := false
	c.eachPolicy(op, func(p *Policy) error {
		unauth = unauth || (p.Template == PolicySetConnectionStatusToUnauthenticated && p.StatusCode == resp.StatusCode)
		return nil
	})
	if unauth {
		return &UnauthenticatedError{Err: e}
	}
	return e
}

// secretValues is what is scrubbed from the messages of an attempt's errors:
// the credentials the request carries and the connection's secret values.
func (c *Client) secretValues(hreq *http.Request) []string {
	s := c.redact.values(hreq)
	if len(c.pol.secrets) > 0 {
		s = append(s, c.pol.secrets...)
	}
	return s
}

// logURL is hreq's URL as logged: credential query values redacted, and
// any secret connection value a policy put in it removed.
func (c *Client) logURL(u *url.URL) string {
	return scrub(c.redact.url(u), c.pol.secrets)
}

// --- expr.Env ---

// ConnectionParameter reads a value given with WithConnectionParameters.
func (r *policyRun) ConnectionParameter(name string) (string, bool) {
	return r.c.pol.connParam(name)
}

// Header reads a request header (on the response side, a response header),
// or the one the Authorizer would attach when the request has none.
func (r *policyRun) Header(name string) (string, bool) {
	if r.resp != nil {
		if vs := r.resp.Header.Values(name); len(vs) > 0 {
			return strings.Join(vs, ","), true
		}
		return "", false
	}
	vs := r.headerValues(name)
	if len(vs) == 0 {
		return "", false
	}
	return strings.Join(vs, ","), true
}

// headerValues returns a request header's values: the request's, else the
// credentials' (the Authorizer overwrites what it sets, except headers a
// policy decided, which are restored after it).
func (r *policyRun) headerValues(name string) []string {
	name = http.CanonicalHeaderKey(name)
	if !slices.Contains(r.rp.owned, name) {
		if r.probe(); r.credHeader != nil {
			if vs, ok := r.credHeader[name]; ok {
				return vs
			}
		}
	}
	return r.req.header.Values(name)
}

// Query reads a query parameter of the request (or of the credentials).
func (r *policyRun) Query(name string) (string, bool) {
	if q, err := url.ParseQuery(r.req.url.RawQuery); err == nil {
		if vs, ok := q[name]; ok && len(vs) > 0 {
			return vs[0], true
		}
	}
	if r.resp == nil {
		if r.probe(); len(r.credQuery[name]) > 0 {
			return r.credQuery[name][0], true
		}
	}
	return "", false
}

// Body reads the request body (on the response side, the response body) as
// JSON; a body that is absent or not JSON is absent.
func (r *policyRun) Body() (any, bool) {
	r.loadBody()
	return r.doc, r.hasDoc
}

// Item is the element a collection template is working on.
func (r *policyRun) Item() (any, bool) { return r.item, r.hasItem }

// TriggerBody is absent outside the pollingtrigger template.
func (r *policyRun) TriggerBody() (any, bool) { return nil, false }

// Method is the operation's own method (@Request.OriginalHTTPMethod).
func (r *policyRun) Method() string { return r.rp.method }

// PathParam reads an operation path parameter ({name} placeholders).
func (r *policyRun) PathParam(name string) (string, bool) {
	v, ok := findPathValue(r.rp.vals, name)
	if !ok || !v.a.IsSet() {
		return "", false
	}
	texts, _, err := v.a.texts()
	if err != nil {
		return "", false
	}
	return join(texts, v.p.Collection), true
}

// probe asks the Authorizer, once, which headers and query parameters it
// would attach to this request, so that policies see the credentials as they
// do on the platform.
func (r *policyRun) probe() {
	if r.probed {
		return
	}
	r.probed = true
	if r.op.NoAuth || r.c.auth == nil {
		return
	}
	u := r.req.url
	hreq, err := http.NewRequestWithContext(r.ctx, r.req.method, u.String(), nil)
	if err != nil {
		return
	}
	hreq.Header = r.req.header.Clone()
	if err := r.c.auth.Authorize(hreq); err != nil {
		if r.err == nil {
			r.err = fmt.Errorf("authorize: %w", err)
		}
		return
	}
	r.credHeader = http.Header{}
	for k, vs := range hreq.Header {
		if !slices.Equal(vs, r.req.header[k]) {
			r.credHeader[k] = vs
		}
	}
	before, _ := url.ParseQuery(u.RawQuery)
	after, _ := url.ParseQuery(hreq.URL.RawQuery)
	for k, vs := range after {
		if !slices.Equal(vs, before[k]) {
			if r.credQuery == nil {
				r.credQuery = url.Values{}
			}
			r.credQuery[k] = vs
		}
	}
}

// loadBody reads and decodes the body once.
func (r *policyRun) loadBody() {
	if r.bodyRead || r.skipBody {
		return
	}
	if r.resp != nil {
		if r.op.Result == ResultBinary {
			r.skipBody = true // a stream for the caller: not JSON to transform
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.resp.Body, maxPolicyBody+1))
		if err == nil && int64(len(b)) > maxPolicyBody {
			// Too large to transform in memory: handed on untouched,
			// what was read first included.
			r.skipBody = true
			r.resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(b), r.resp.Body), r.resp.Body}
			return
		}
		r.bodyRead = true
		r.resp.Body.Close()
		r.raw = b
		if err != nil {
			if r.err == nil {
				r.err = fmt.Errorf("reading the response body: %w", err)
			}
			return
		}
	} else {
		r.bodyRead = true
		b := r.req.body
		if b == nil || !b.buffered() {
			return // no body, or a stream (binary upload): not JSON to transform
		}
		for _, s := range b.segs {
			r.raw = append(r.raw, s.b...)
		}
	}
	if len(bytes.TrimSpace(r.raw)) == 0 || !json.Valid(r.raw) {
		return
	}
	if doc, order, err := decodeOrdered(r.raw); err == nil {
		r.doc, r.order, r.hasDoc = doc, order, true
	}
}

// --- request templates ---

// setRequestHeader applies setheader to the request.
func (r *policyRun) setRequestHeader(name, v string, exists ExistsAction) {
	name = http.CanonicalHeaderKey(name)
	switch exists {
	case ExistsSkip:
		if len(r.headerValues(name)) > 0 {
			return
		}
		r.req.header.Set(name, v)
	case ExistsAppend:
		r.req.header[name] = append(slices.Clone(r.headerValues(name)), v)
	default:
		r.req.header.Set(name, v)
	}
	if !slices.Contains(r.rp.owned, name) {
		r.rp.owned = append(r.rp.owned, name)
	}
}

// setQuery applies setqueryparameter: override replaces the first
// occurrence where it stands and drops the others.
func (r *policyRun) setQuery(name, v string, exists ExistsAction) {
	raw := r.req.url.RawQuery
	kv := url.QueryEscape(name) + "=" + url.QueryEscape(v)
	var parts []string
	if raw != "" {
		parts = strings.Split(raw, "&")
	}
	found := -1
	for i, part := range parts {
		k, _, _ := strings.Cut(part, "=")
		if key, err := url.QueryUnescape(k); err == nil && key == name {
			found = i
			break
		}
	}
	switch exists {
	case ExistsSkip:
		if _, present := r.Query(name); found >= 0 || present {
			return
		}
		parts = append(parts, kv)
	case ExistsAppend:
		parts = append(parts, kv)
	default:
		if found < 0 {
			parts = append(parts, kv)
			break
		}
		parts[found] = kv
		kept := parts[:found+1]
		for _, part := range parts[found+1:] {
			k, _, _ := strings.Cut(part, "=")
			if key, err := url.QueryUnescape(k); err == nil && key == name {
				continue
			}
			kept = append(kept, part)
		}
		parts = kept
	}
	r.req.url.RawQuery = strings.Join(parts, "&")
}

// relPath is the escaped path below the base path in effect.
func (r *policyRun) relPath() string {
	return strings.TrimPrefix(r.req.url.EscapedPath(), r.rp.basePath)
}

// setPath sets the request path to base + rel (both escaped).
func (r *policyRun) setPath(base, rel string) error {
	raw := base + rel
	p, err := url.PathUnescape(raw)
	if err != nil {
		return errors.New("the path is not validly escaped")
	}
	r.rp.basePath = base
	r.req.url.Path, r.req.url.RawPath = p, raw
	return nil
}

// dynamicHost applies dynamichosturl / dynamicsubdomain (see PolicyDynamicHostURL).
func (r *policyRun) dynamicHost(comp *compiledPolicy) error {
	s, err := comp.url.Eval(r)
	if err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "://") {
		s = "https://" + s
	}
	// The messages below never quote s: it may hold connection values.
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("urlTemplate %q does not give a valid URL", comp.url.Source())
	case !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https"):
		return fmt.Errorf("urlTemplate %q does not give an http or https URL", comp.url.Source())
	case u.Host == "":
		return fmt.Errorf("urlTemplate %q gives a URL without a host (is a connection parameter it reads empty?)", comp.url.Source())
	case u.User != nil:
		return fmt.Errorf("urlTemplate %q gives a URL with user information", comp.url.Source())
	}
	rel := r.relPath()
	base := r.c.basePath
	if p := u.EscapedPath(); p != "" && p != "/" {
		base = strings.TrimRight(p, "/")
	}
	r.req.url.Scheme, r.req.url.Host = strings.ToLower(u.Scheme), u.Host
	if u.RawQuery != "" {
		if r.req.url.RawQuery != "" {
			r.req.url.RawQuery = u.RawQuery + "&" + r.req.url.RawQuery
		} else {
			r.req.url.RawQuery = u.RawQuery
		}
	}
	return r.setPath(base, rel)
}

// expand evaluates a path template with {name} placeholders: expression and
// placeholder values are path-escaped, the literal text is escaped where it
// is not valid in a path. It returns the escaped path and the query after a
// "?" in the template, if any.
func (r *policyRun) expand(t *expr.Template, field string) (string, string, error) {
	for _, ref := range t.Refs() {
		if ref.Kind == expr.PathParam {
			if _, ok := r.PathParam(ref.Name); !ok {
				return "", "", fmt.Errorf("%s placeholder {%s}: the operation has no path parameter %q with a value", field, ref.Name, ref.Name)
			}
		}
	}
	s, err := t.EvalEscaped(r, url.PathEscape)
	if err != nil {
		return "", "", err
	}
	p, q, _ := strings.Cut(s, "?")
	p = escapeLiteral(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p, q, nil
}

// route applies routerequesttoendpoint.
func (r *policyRun) route(comp *compiledPolicy) error {
	p, q, err := r.expand(comp.url, "newPath")
	if err != nil {
		return err
	}
	if comp.method != nil {
		m, err := r.methodOf(comp.method)
		if err != nil {
			return err
		}
		if m != "" {
			r.req.method = m
		}
	}
	if q != "" {
		if r.req.url.RawQuery != "" {
			q += "&" + r.req.url.RawQuery
		}
		r.req.url.RawQuery = q
	}
	return r.setPath(r.rp.basePath, p)
}

// methodOf evaluates an httpMethod template: an HTTP method token, upper-cased.
func (r *policyRun) methodOf(t *expr.Template) (string, error) {
	m, err := t.Eval(r)
	if err != nil {
		return "", err
	}
	m = strings.ToUpper(strings.TrimSpace(m))
	for i := 0; i < len(m); i++ {
		if c := m[i]; c < 'A' || c > 'Z' {
			return "", fmt.Errorf("httpMethod %q does not give an HTTP method", t.Source())
		}
	}
	return m, nil
}

// valueFromURL applies setvaluefromurl: an extra call, with the
// connection's credentials, whose JSON answer gives a header or query value.
func (r *policyRun) valueFromURL(p *Policy, comp *compiledPolicy) error {
	path, q, err := r.expand(comp.url, "parameterValueUrl")
	if err != nil {
		return err
	}
	method := "GET"
	if comp.method != nil {
		if m, err := r.methodOf(comp.method); err != nil {
			return err
		} else if m != "" {
			method = m
		}
	}
	u := url.URL{Scheme: r.req.url.Scheme, Host: r.req.url.Host, RawQuery: q}
	raw := r.rp.basePath + path
	if u.Path, err = url.PathUnescape(raw); err != nil {
		return errors.New("parameterValueUrl gives a path that is not validly escaped")
	}
	u.RawPath = raw
	sub := &Operation{ID: r.op.ID + " (" + p.Template.String() + ")", Method: method, NoAuth: r.op.NoAuth}
	sreq := &request{method: method, url: u, header: http.Header{}}
	sreq.header.Set("User-Agent", r.c.userAgent)
	sreq.header.Set("Accept", "application/json")
	resp, _, _, err := r.c.send(r.ctx, sub, sreq)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s: reading the response: %w", method, comp.url.Source(), err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%s %s: the response is not JSON", method, comp.url.Source())
	}
	v, err := comp.valuePath.Eval(expr.MapEnv{BodyValue: doc})
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, comp.url.Source(), err)
	}
	text, err := expr.Text(v)
	if err != nil {
		return err
	}
	if comp.to.Kind == expr.Header {
		r.setRequestHeader(comp.to.Name, text, ExistsOverride)
	} else {
		r.setQuery(comp.to.Name, text, ExistsOverride)
	}
	return nil
}

// updateNextLink applies updatenextlink (see PolicyUpdateNextLink).
func (r *policyRun) updateNextLink(p *Policy, comp *compiledPolicy) error {
	if r.resp.StatusCode < 200 || r.resp.StatusCode > 299 {
		return nil
	}
	parent, ok := r.Body()
	if comp.hasFrom {
		parent, ok, _ = r.lookup(comp.from)
	}
	obj, isObj := parent.(map[string]any)
	if !ok || !isObj {
		return nil
	}
	link, _ := obj[p.Name].(string)
	ref, err := url.Parse(strings.TrimSpace(link))
	if link == "" || err != nil {
		return nil
	}
	next := r.req.url.ResolveReference(ref)
	if pc := r.c.pol; pc.explicit && pc.declared != nil && sameOrigin(next, pc.declared) && !sameOrigin(r.c.base, pc.declared) {
		next.Scheme, next.Host = r.c.base.Scheme, r.c.base.Host
		declaredBase := strings.TrimRight(pc.declared.EscapedPath(), "/")
		if rest, ok := strings.CutPrefix(next.EscapedPath(), declaredBase); ok && (rest == "" || rest[0] == '/') {
			raw := r.c.basePath + rest
			if p, err := url.PathUnescape(raw); err == nil {
				next.Path, next.RawPath = p, raw
			}
		}
	}
	if s := next.String(); s != link {
		obj[p.Name] = s
		r.dirty = true
	}
	return nil
}

// sameOrigin compares scheme and host (default ports ignored).
func sameOrigin(a, b *url.URL) bool {
	norm := func(u *url.URL) string {
		s, h := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
		if (s == "https" && strings.HasSuffix(h, ":443")) || (s == "http" && strings.HasSuffix(h, ":80")) {
			h = h[:strings.LastIndexByte(h, ':')]
		}
		return s + "://" + h
	}
	return norm(a) == norm(b)
}
