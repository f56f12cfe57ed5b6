package runtime

import (
	"net/http"
	"net/url"
	"strings"
)

// Headers whose values are credentials whatever the Authorizer says.
var secretHeaderNames = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// Query parameters redacted in logged URLs whatever the Authorizer says
// (compared case-insensitively).
var secretQueryNames = []string{
	"access_token", "refresh_token", "id_token", "client_secret", "password",
	"api_key", "apikey", "api-key", "key", "token", "secret", "sig", "signature",
	"subscription-key",
}

// minScrub is the shortest credential value removed from error texts;
// shorter values would mangle ordinary words.
const minScrub = 4

// redaction holds the names whose values never reach logs or errors.
type redaction struct {
	headers []string        // canonical header names
	query   map[string]bool // lower-case query names
}

func newRedaction(a Authorizer) redaction {
	r := redaction{query: make(map[string]bool)}
	for _, h := range secretHeaderNames {
		r.addHeader(h)
	}
	for _, q := range secretQueryNames {
		r.query[q] = true
	}
	if n, ok := a.(SecretNamer); ok {
		hs, qs := n.SecretNames()
		for _, h := range hs {
			r.addHeader(h)
		}
		for _, q := range qs {
			r.query[strings.ToLower(q)] = true
		}
	}
	return r
}

func (r *redaction) addHeader(h string) {
	h = http.CanonicalHeaderKey(h)
	for _, x := range r.headers {
		if x == h {
			return
		}
	}
	r.headers = append(r.headers, h)
}

// url returns u as text with the values of secret query parameters
// replaced by REDACTED and any user information removed.
func (r *redaction) url(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = r.redactQuery(c.RawQuery)
	return c.String()
}

func (r *redaction) redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if r.query[strings.ToLower(name)] {
			parts[i] = k + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

// urlString redacts a URL given as text (as in *url.Error).
func (r *redaction) urlString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.IndexByte(s, '?'); i >= 0 {
			return s[:i] + "?REDACTED"
		}
		return s
	}
	return r.url(u)
}

// values collects the credential values carried by req, to scrub them
// from error texts.
func (r *redaction) values(req *http.Request) []string {
	var vs []string
	add := func(v string) {
		if len(v) >= minScrub {
			vs = append(vs, v)
		}
	}
	for _, h := range r.headers {
		for _, v := range req.Header.Values(h) {
			add(v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				add(strings.TrimSpace(cred))
			}
		}
	}
	if _, pw, ok := req.BasicAuth(); ok {
		add(pw)
	}
	for k, v := range req.URL.Query() {
		if r.query[strings.ToLower(k)] {
			for _, x := range v {
				add(x)
				add(url.QueryEscape(x))
			}
		}
	}
	return vs
}

// err returns err with URLs redacted and credential values scrubbed from
// its message; errors.Is and errors.As still see the original chain.
func (r *redaction) err(err error, secrets []string) error {
	if ue, ok := err.(*url.Error); ok {
		err = &url.Error{Op: ue.Op, URL: r.urlString(ue.URL), Err: ue.Err}
	}
	msg := err.Error()
	if s := scrub(msg, secrets); s != msg {
		return &scrubbedError{msg: s, err: err}
	}
	return err
}
