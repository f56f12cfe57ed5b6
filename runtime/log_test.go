package runtime

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestNoSecretsInLogsOrErrors(t *testing.T) {
	const (
		headerKey = "hdr-key-0123456789"
		queryKey  = "qry key/0123456789+="
		password  = "pa55-w0rd-0123456789"
		token     = "bearer-tok-0123456789"
	)
	secrets := []string{headerKey, queryKey, url.QueryEscape(queryKey), password, token,
		base64.StdEncoding.EncodeToString([]byte("alice:" + password))}

	// The server echoes every credential it receives in its error body.
	echo := func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, pw, _ := r.BasicAuth()
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "denied: auth=%q key=%q query=%q pw=%q",
			r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.URL.RawQuery, pw)
	}
	auths := map[string]Authorizer{
		"api key": Chain(APIKey(InHeader, "X-Api-Key", headerKey), APIKey(InQuery, "sig_code", queryKey)),
		"basic":   Basic("alice", password),
		"bearer":  Bearer(token),
	}
	for name, auth := range auths {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, echo)
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := newTestClient(t, s, WithAuth(auth), WithLogger(log), WithRetry(fastRetry(2)))
			op := &Operation{ID: "GetItem", Method: "GET", Path: "/items/{id}", Params: []Param{
				{Name: "id", In: InPath, Required: true}, {Name: "top", In: InQuery}}}
			_, err := c.Do(context.Background(), op, []Arg{String("42"), Int(5)}, nil)
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != 401 {
				t.Fatalf("err = %v", err)
			}
			if s.count() != 2 {
				t.Fatalf("attempts = %d", s.count())
			}
			logs := buf.String()
			for _, sec := range secrets {
				if strings.Contains(logs, sec) {
					t.Errorf("log contains secret %q:\n%s", sec, logs)
				}
				if strings.Contains(err.Error(), sec) {
					t.Errorf("error contains secret %q: %s", sec, err)
				}
			}
			if !strings.Contains(err.Error(), "GetItem: 401 Unauthorized: denied:") {
				t.Errorf("error = %s", err)
			}
			for _, want := range []string{"level=DEBUG", "operation=GetItem", "method=GET", "/base/items/42?top=5", "attempt=1", "attempt=2", "status=503", "status=401", "duration=", "level=INFO", "retrying"} {
				if !strings.Contains(logs, want) {
					t.Errorf("log lacks %q:\n%s", want, logs)
				}
			}
			if name == "api key" && !strings.Contains(logs, "sig_code=REDACTED") {
				t.Errorf("log lacks the redacted query value:\n%s", logs)
			}
		})
	}
}

func TestNoSecretsInTransportErrors(t *testing.T) {
	const key = "transport-secret-0123456789"
	s := newTestServer(t, nil)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, s, WithAuth(APIKey(InQuery, "x_auth", key)), WithLogger(log), WithRetry(fastRetry(1)))
	s.Close()
	_, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), key) || strings.Contains(buf.String(), key) {
		t.Errorf("secret leaked:\nerr: %v\nlog: %s", err, buf.String())
	}
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "x_auth=REDACTED") {
		t.Errorf("url.Error = %#v", ue)
	}
	if !strings.Contains(buf.String(), "retrying") {
		t.Errorf("transport error not retried:\n%s", buf.String())
	}
}

func TestMiddlewareErrorScrubbed(t *testing.T) {
	const tok = "mw-token-0123456789"
	s := newTestServer(t, nil)
	leaky := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return nil, fmt.Errorf("refused request with %s", r.Header.Get("Authorization"))
		})
	}
	c := newTestClient(t, s, WithAuth(Bearer(tok)), WithMiddleware(leaky))
	_, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil)
	if err == nil || strings.Contains(err.Error(), tok) || !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("err = %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	r := newRedaction(APIKey(InQuery, "My-Key", "v"))
	u, _ := url.Parse("https://u:p@h/p?a=1&my-key=s1&Access_Token=s2&b=2&token&x%5Fauth=3")
	if got, want := r.url(u), "https://h/p?a=1&my-key=REDACTED&Access_Token=REDACTED&b=2&token=REDACTED&x%5Fauth=3"; got != want {
		t.Errorf("url = %q, want %q", got, want)
	}
	if got := r.urlString("%zz?key=1"); got != "%zz?REDACTED" {
		t.Errorf("urlString = %q", got)
	}
}
