package runtime

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestAuth(t *testing.T) {
	op := &Operation{ID: "Get", Method: "GET", Path: "/a", Params: []Param{{Name: "q", In: InQuery}}}
	noAuth := &Operation{ID: "Public", Method: "GET", Path: "/p", NoAuth: true}
	tests := []struct {
		name       string
		auth       Authorizer
		op         *Operation
		wantHeader map[string]string
		wantQuery  string
	}{
		{"api key header", APIKey(InHeader, "x-api-key", "k3y-value"), op,
			map[string]string{"X-Api-Key": "k3y-value", "Authorization": ""}, "q=1"},
		{"api key header verbatim", APIKey(InHeader, "Authorization", "Bearer typed-by-user"), op,
			map[string]string{"Authorization": "Bearer typed-by-user"}, "q=1"},
		{"api key query", APIKey(InQuery, "code", "a b&c"), op,
			map[string]string{"Authorization": ""}, "q=1&code=a+b%26c"},
		{"basic", Basic("user", "p@ss:word"), op,
			map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("user:p@ss:word"))}, "q=1"},
		{"bearer", Bearer("tok-123"), op,
			map[string]string{"Authorization": "Bearer tok-123"}, "q=1"},
		{"chain skips nil", Chain(nil, Bearer("t"), APIKey(InHeader, "X-Tenant", "ten")), op,
			map[string]string{"Authorization": "Bearer t", "X-Tenant": "ten"}, "q=1"},
		{"NoAuth operation", Bearer("tok-123"), noAuth,
			map[string]string{"Authorization": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil)
			c := newTestClient(t, s, WithAuth(tt.auth))
			var args []Arg
			if len(tt.op.Params) > 0 {
				args = []Arg{String("1")}
			}
			if _, err := c.Do(context.Background(), tt.op, args, nil); err != nil {
				t.Fatal(err)
			}
			r := s.requests()[0]
			for k, want := range tt.wantHeader {
				if got := r.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if r.RawQuery != tt.wantQuery {
				t.Errorf("query = %q, want %q", r.RawQuery, tt.wantQuery)
			}
		})
	}
}

func TestAuthAppliedOnEveryAttempt(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	var mu sync.Mutex
	calls := 0
	a := AuthorizerFunc(func(r *http.Request) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		r.Header.Set("X-Call", strings.Repeat("i", calls))
		return nil
	})
	c := newTestClient(t, s, WithAuth(Chain(a, APIKey(InQuery, "key", "v"))), WithRetry(fastRetry(2)))
	if _, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if len(reqs) != 2 || reqs[0].Header.Get("X-Call") != "i" || reqs[1].Header.Get("X-Call") != "ii" {
		t.Fatalf("requests = %+v", reqs)
	}
	for _, r := range reqs {
		if r.RawQuery != "key=v" {
			t.Errorf("query = %q (credential must not accumulate across attempts)", r.RawQuery)
		}
	}
}

func TestAuthError(t *testing.T) {
	s := newTestServer(t, nil)
	boom := errors.New("no token")
	c := newTestClient(t, s, WithAuth(AuthorizerFunc(func(*http.Request) error { return boom })))
	_, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil)
	if !errors.Is(err, boom) || s.count() != 0 {
		t.Errorf("err = %v, %d requests", err, s.count())
	}
	if err := APIKey(InBody, "k", "v").Authorize(&http.Request{Header: http.Header{}}); err == nil {
		t.Error("APIKey in body: no error")
	}
}

func TestSecretNames(t *testing.T) {
	h, q := Chain(APIKey(InHeader, "X-Key", "a"), APIKey(InQuery, "code", "b"), Basic("u", "p"), Bearer("t")).(SecretNamer).SecretNames()
	if want := []string{"X-Key", "Authorization", "Authorization"}; !reflect.DeepEqual(h, want) {
		t.Errorf("headers = %q, want %q", h, want)
	}
	if want := []string{"code"}; !reflect.DeepEqual(q, want) {
		t.Errorf("query = %q, want %q", q, want)
	}
}

func TestMiddlewareOrder(t *testing.T) {
	s := newTestServer(t, nil)
	var mu sync.Mutex
	var trace []string
	mw := func(name string) Middleware {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				trace = append(trace, name+" req auth="+r.Header.Get("Authorization"))
				mu.Unlock()
				r = r.Clone(r.Context())
				r.Header.Add("X-Chain", name)
				resp, err := next.RoundTrip(r)
				mu.Lock()
				trace = append(trace, name+" resp")
				mu.Unlock()
				return resp, err
			})
		}
	}
	hc := &http.Client{}
	c := newTestClient(t, s, WithHTTPClient(hc), WithAuth(Bearer("t")), WithMiddleware(mw("outer")), WithMiddleware(mw("inner")))
	if _, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"outer req auth=Bearer t", "inner req auth=Bearer t", "inner resp", "outer resp"}
	if !reflect.DeepEqual(trace, want) {
		t.Errorf("trace = %q, want %q", trace, want)
	}
	if got := s.requests()[0].Header.Values("X-Chain"); !reflect.DeepEqual(got, []string{"outer", "inner"}) {
		t.Errorf("X-Chain = %q", got)
	}
	if hc.Transport != nil {
		t.Error("WithMiddleware modified the caller's http.Client")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
