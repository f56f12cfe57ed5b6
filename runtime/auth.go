package runtime

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Authorizer attaches credentials to a request. [Client.Do] calls it for
// every attempt, after the request is built and before middleware runs,
// except for operations with NoAuth.
type Authorizer interface {
	Authorize(req *http.Request) error
}

// AuthorizerFunc adapts a function to [Authorizer].
type AuthorizerFunc func(req *http.Request) error

// Authorize calls f(req).
func (f AuthorizerFunc) Authorize(req *http.Request) error { return f(req) }

// SecretNamer may be implemented by an [Authorizer] to name the headers and
// query parameters that carry its credentials. The client never logs
// header values; it replaces the values of these query parameters with
// "REDACTED" in logged URLs, and removes the values of both from error
// messages.
type SecretNamer interface {
	SecretNames() (headers, query []string)
}

// APIKey sends value verbatim in the header (InHeader) or query parameter
// (InQuery) called name, like a Swagger apiKey security definition. Users
// of a connector whose key header is Authorization type the scheme
// themselves ("Bearer xyz"); it is not added here.
func APIKey(in In, name string, value Secret) Authorizer {
	return &apiKey{in: in, name: name, value: value}
}

type apiKey struct {
	in    In
	name  string
	value Secret
}

// Authorize sets the header or appends the query parameter.
func (a *apiKey) Authorize(req *http.Request) error {
	switch a.in {
	case InHeader:
		req.Header.Set(a.name, a.value.Reveal())
	case InQuery:
		req.URL.RawQuery = appendQuery(req.URL.RawQuery, a.name, a.value.Reveal())
	default:
		return fmt.Errorf("runtime: API key %q: location %v is not header or query", a.name, a.in)
	}
	return nil
}

// SecretNames names the key's header or query parameter.
func (a *apiKey) SecretNames() (headers, query []string) {
	if a.in == InQuery {
		return nil, []string{a.name}
	}
	return []string{a.name}, nil
}

// Basic sends "Authorization: Basic base64(user:password)".
func Basic(user string, password Secret) Authorizer {
	return &basic{user: user, password: password}
}

type basic struct {
	user     string
	password Secret
}

// Authorize sets the Basic Authorization header.
func (b *basic) Authorize(req *http.Request) error {
	req.SetBasicAuth(b.user, b.password.Reveal())
	return nil
}

// SecretNames names the Authorization header.
func (b *basic) SecretNames() (headers, query []string) {
	return []string{"Authorization"}, nil
}

// Bearer sends "Authorization: Bearer <token>".
func Bearer(token Secret) Authorizer { return bearer{token: token} }

type bearer struct{ token Secret }

// Authorize sets the Bearer Authorization header.
func (b bearer) Authorize(req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+b.token.Reveal())
	return nil
}

// SecretNames names the Authorization header.
func (b bearer) SecretNames() (headers, query []string) {
	return []string{"Authorization"}, nil
}

// Chain applies each Authorizer in order (nil entries are skipped); the
// first error stops it. Its SecretNames are the union of its members'.
func Chain(a ...Authorizer) Authorizer {
	var c chain
	for _, x := range a {
		if x != nil {
			c = append(c, x)
		}
	}
	return c
}

type chain []Authorizer

// Authorize applies each member in order.
func (c chain) Authorize(req *http.Request) error {
	for _, a := range c {
		if err := a.Authorize(req); err != nil {
			return err
		}
	}
	return nil
}

// SecretNames is the union of the members' names.
func (c chain) SecretNames() (headers, query []string) {
	for _, a := range c {
		if n, ok := a.(SecretNamer); ok {
			h, q := n.SecretNames()
			headers = append(headers, h...)
			query = append(query, q...)
		}
	}
	return headers, query
}

// appendQuery adds name=value (query-escaped) to a raw query string.
func appendQuery(raw, name, value string) string {
	kv := url.QueryEscape(name) + "=" + url.QueryEscape(value)
	if raw == "" {
		return kv
	}
	return raw + "&" + kv
}

// ErrGateway is returned (wrapped) for a connection that needs an
// on-premises data gateway (a gatewaySetting connection parameter), which
// this runtime cannot route through. It wraps errors.ErrUnsupported.
var ErrGateway = fmt.Errorf("on-premises data gateway connections (gatewaySetting) are not supported: %w", errors.ErrUnsupported)

// Unusable returns an Authorizer that fails every request with err: the
// authorizer of a connection that cannot be used (see [ErrGateway]).
func Unusable(err error) Authorizer {
	return AuthorizerFunc(func(*http.Request) error { return err })
}
