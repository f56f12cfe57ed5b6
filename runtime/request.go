package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// EscapePath escapes a path parameter value as one path segment: it is
// url.PathEscape, which also escapes "/", so a value such as "a/b c%"
// becomes "a%2Fb%20c%25".
//
// Parameters marked x-ms-url-encoding: double (Param.DoubleEncode) are
// escaped once as well. On the platform the "double" only matters on the
// hop from the workflow engine to the connector gateway: the engine encodes
// the value twice, the gateway decodes once when it expands the backend
// path, and the backend receives the value encoded once. A generated client
// calls the backend directly, so encoding once here is what the backend
// saw on the platform, and the reading that loses no data: a second
// encoding would reach the backend as literal "%25" sequences
// (connector-protocol.md §2.6).
func EscapePath(s string) string { return url.PathEscape(s) }

// request is an operation call resolved into wire form, built once and
// turned into an *http.Request for every attempt.
type request struct {
	method string
	url    url.URL
	header http.Header
	body   *body // nil: no body

	pol *reqPolicy // policy state (policy_apply.go); nil when no policy applies
	// polState is pol's storage: one allocation with the request.
	polState reqPolicy
	// sent is the URL of a single attempt (see Client.attempt).
	sent url.URL
	// given is true when url is a URL the caller gave (a poll Location, a
	// next link) rather than one built from the operation: host and route
	// policies leave it as it is.
	given bool
}

// value is a parameter's effective Arg (the caller's, or its default).
type value struct {
	p *Param
	a Arg
}

func (c *Client) build(op *Operation, args []Arg) (*request, error) {
	if len(args) > len(op.Params) {
		return nil, fmt.Errorf("%s: %d arguments for %d parameters", op.ID, len(args), len(op.Params))
	}
	kind := op.Body
	vals := make([]value, len(op.Params))
	for i := range op.Params {
		p := &op.Params[i]
		var a Arg
		if i < len(args) {
			a = args[i]
		}
		if !a.IsSet() && p.HasDefault {
			if p.In == InBody {
				a = RawJSON([]byte(p.Default))
			} else {
				a = String(p.Default)
			}
		}
		bodyFromDefault := p.In == InBody && op.BodyDefault != nil
		if !a.IsSet() && (p.Required || p.In == InPath) && !bodyFromDefault {
			return nil, fmt.Errorf("%s: %w %q", op.ID, ErrMissingParameter, p.Name)
		}
		vals[i] = value{p, a}
		if kind == BodyNone {
			switch p.In {
			case InBody:
				kind = BodyJSON
			case InFormData:
				kind = BodyForm
			}
		}
	}

	r := &request{method: strings.ToUpper(op.Method), header: make(http.Header)}
	if r.method == "" {
		r.method = http.MethodGet
	}
	if err := c.buildURL(r, op, vals); err != nil {
		return nil, fmt.Errorf("%s: %w", op.ID, err)
	}
	r.header.Set("User-Agent", c.userAgent)
	if op.Accept != "" {
		r.header.Set("Accept", op.Accept)
	}
	b, ctype, err := buildBody(kind, op, vals)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.ID, err)
	}
	r.body = b
	if b != nil {
		r.header.Set("Content-Type", ctype)
	}
	for _, v := range vals {
		if v.p.In != InHeader || !v.a.IsSet() {
			continue
		}
		var one [1]string
		texts, _, err := v.a.textsBuf(one[:0])
		if err != nil {
			return nil, fmt.Errorf("%s: parameter %q: %w", op.ID, v.p.Name, err)
		}
		s := join(texts, v.p.Collection)
		if kind == BodyMultipart && http.CanonicalHeaderKey(v.p.Name) == "Content-Type" {
			// Keep the boundary: a "multipart/form-data" header default
			// would otherwise make the body unreadable.
			if mt, _, _ := mime.ParseMediaType(s); strings.HasPrefix(mt, "multipart/") {
				continue
			}
		}
		r.header.Set(v.p.Name, s)
	}
	if c.hasPolicies(op) {
		r.pol = c.newReqPolicy(r, vals) // applied by prepare, before sending
	}
	return r, nil
}

// buildURL sets r.url: base URL + op.Path with placeholders replaced, then
// the query parameters in Params order.
func (c *Client) buildURL(r *request, op *Operation, vals []value) error {
	tmpl, fixedQuery, _ := strings.Cut(op.Path, "?")
	var raw strings.Builder
	raw.WriteString(c.basePath)
	if tmpl != "" && !strings.HasPrefix(tmpl, "/") {
		raw.WriteByte('/')
	}
	for tmpl != "" {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			raw.WriteString(escapeLiteral(tmpl))
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			return fmt.Errorf("path %q: unterminated placeholder", op.Path)
		}
		raw.WriteString(escapeLiteral(tmpl[:open]))
		name := tmpl[open+1 : open+end]
		v, ok := findPathValue(vals, name)
		if !ok {
			return fmt.Errorf("path %q: no path parameter %q", op.Path, name)
		}
		var one [1]string
		texts, _, err := v.a.textsBuf(one[:0])
		if err != nil {
			return fmt.Errorf("parameter %q: %w", name, err)
		}
		raw.WriteString(EscapePath(join(texts, v.p.Collection)))
		tmpl = tmpl[open+end+1:]
	}
	rawPath := raw.String()
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return fmt.Errorf("path %q: %w", rawPath, err)
	}
	q := fixedQuery
	for _, v := range vals {
		if v.p.In != InQuery || !v.a.IsSet() {
			continue
		}
		if q, err = appendValues(q, v); err != nil {
			return err
		}
	}
	r.url = url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: path, RawPath: rawPath, RawQuery: q}
	return nil
}

func findPathValue(vals []value, name string) (value, bool) {
	for _, v := range vals {
		if v.p.In == InPath && v.p.Name == name {
			return v, true
		}
	}
	for _, v := range vals {
		if v.p.In == InPath && strings.EqualFold(v.p.Name, name) {
			return v, true
		}
	}
	return value{}, false
}

// escapeLiteral escapes the literal text of a path template, keeping "/"
// and the characters that are valid in a path.
func escapeLiteral(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if pathChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// pathChar reports whether c may stand unescaped in a URL path (RFC 3986
// pchar, "/" and "%" of an existing escape): literal parts of a path
// template such as "/items({id})" reach the server as written.
func pathChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/%", c) >= 0
}

// appendValues adds v to a url-encoded string, repeating the name for
// Multi arrays and joining other arrays per the Collection.
func appendValues(q string, v value) (string, error) {
	var one [1]string
	texts, list, err := v.a.textsBuf(one[:0])
	if err != nil {
		return "", fmt.Errorf("parameter %q: %w", v.p.Name, err)
	}
	if list && v.p.Collection == Multi {
		for _, t := range texts {
			q = appendQuery(q, v.p.Name, t)
		}
		return q, nil
	}
	return appendQuery(q, v.p.Name, join(texts, v.p.Collection)), nil
}

// join serialises an array per its collection format; Multi (which only
// repeats in queries and forms) falls back to CSV.
func join(texts []string, c Collection) string {
	sep := ","
	switch c {
	case SSV:
		sep = " "
	case TSV:
		sep = "\t"
	case Pipes:
		sep = "|"
	}
	return strings.Join(texts, sep)
}

// buildBody encodes the body and returns it with its Content-Type.
func buildBody(kind BodyKind, op *Operation, vals []value) (*body, string, error) {
	switch kind {
	case BodyJSON:
		return jsonBody(op, vals)
	case BodyForm:
		q := ""
		for _, v := range vals {
			if v.p.In != InFormData || !v.a.IsSet() {
				continue
			}
			var err error
			if q, err = appendValues(q, v); err != nil {
				return nil, "", err
			}
		}
		return bytesBody([]byte(q)), "application/x-www-form-urlencoded", nil
	case BodyMultipart:
		return multipartBody(vals)
	case BodyRaw:
		return rawBody(op, vals)
	}
	return nil, "", nil
}

func bodyValue(vals []value) (value, bool) {
	for _, v := range vals {
		if v.p.In == InBody {
			return v, v.a.IsSet()
		}
	}
	return value{}, false
}

func jsonBody(op *Operation, vals []value) (*body, string, error) {
	ctype := op.ContentType
	if ctype == "" {
		ctype = "application/json"
	}
	v, ok := bodyValue(vals)
	if !ok {
		if op.BodyDefault == nil {
			return nil, "", nil
		}
		return bytesBody(op.BodyDefault), ctype, nil
	}
	var b []byte
	var err error
	switch v.a.kind {
	case argRawJSON:
		b = v.a.raw
		if !json.Valid(b) {
			return nil, "", fmt.Errorf("parameter %q: invalid JSON", v.p.Name)
		}
	case argReader, argFile:
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(v.a.r); err != nil {
			return nil, "", fmt.Errorf("parameter %q: %w", v.p.Name, err)
		}
		b = buf.Bytes()
	default:
		if b, err = json.Marshal(v.a.v); err != nil {
			return nil, "", fmt.Errorf("parameter %q: %w", v.p.Name, err)
		}
	}
	if op.BodyDefault != nil {
		if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
			// JSON(nil): nothing to lay over the defaults.
			return bytesBody(op.BodyDefault), ctype, nil
		}
		if b, err = mergeJSON(op.BodyDefault, b); err != nil {
			return nil, "", fmt.Errorf("parameter %q: %w", v.p.Name, err)
		}
	}
	return bytesBody(b), ctype, nil
}

// mergeJSON lays over on top of def: when both are JSON objects, keys of
// over win and objects present in both are merged recursively; otherwise
// over is returned unchanged.
func mergeJSON(def, over []byte) ([]byte, error) {
	var d, o map[string]json.RawMessage
	if json.Unmarshal(def, &d) != nil || json.Unmarshal(over, &o) != nil || d == nil || o == nil {
		return over, nil
	}
	for k, dv := range d {
		ov, ok := o[k]
		if !ok {
			o[k] = dv
			continue
		}
		m, err := mergeJSON(dv, ov)
		if err != nil {
			return nil, err
		}
		o[k] = m
	}
	return json.Marshal(o)
}

func rawBody(op *Operation, vals []value) (*body, string, error) {
	ctype := op.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	v, ok := bodyValue(vals)
	if !ok {
		return nil, "", nil
	}
	switch v.a.kind {
	case argReader, argFile:
		return readerBody(v.a.r), ctype, nil
	case argText:
		return bytesBody([]byte(v.a.text)), ctype, nil
	case argRawJSON:
		return bytesBody(v.a.raw), ctype, nil
	case argJSON:
		if b, ok := v.a.v.([]byte); ok {
			return bytesBody(b), ctype, nil
		}
		b, err := json.Marshal(v.a.v)
		if err != nil {
			return nil, "", fmt.Errorf("parameter %q: %w", v.p.Name, err)
		}
		return bytesBody(b), ctype, nil
	}
	return nil, "", fmt.Errorf("parameter %q: an array is not a raw body", v.p.Name)
}

// multipartBody writes one part per formData value in Params order. Parts
// from readers are streamed, not buffered.
func multipartBody(vals []value) (*body, string, error) {
	b := &body{}
	var cur bytes.Buffer
	w := multipart.NewWriter(&cur)
	for _, v := range vals {
		if v.p.In != InFormData || !v.a.IsSet() {
			continue
		}
		switch v.a.kind {
		case argReader, argFile:
			var err error
			if v.a.kind == argFile || v.p.File {
				name := v.a.name
				if v.a.kind == argReader || name == "" {
					name = v.p.Name
				}
				_, err = w.CreateFormFile(v.p.Name, name)
			} else {
				_, err = w.CreateFormField(v.p.Name)
			}
			if err != nil {
				return nil, "", err
			}
			b.addBytes(bytes.Clone(cur.Bytes()))
			cur.Reset()
			b.addReader(v.a.r)
		default:
			var one [1]string
			texts, list, err := v.a.textsBuf(one[:0])
			if err != nil {
				return nil, "", fmt.Errorf("parameter %q: %w", v.p.Name, err)
			}
			if !list || v.p.Collection != Multi {
				texts = []string{join(texts, v.p.Collection)}
			}
			for _, t := range texts {
				if err := w.WriteField(v.p.Name, t); err != nil {
					return nil, "", err
				}
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	b.addBytes(bytes.Clone(cur.Bytes()))
	return b, w.FormDataContentType(), nil
}
