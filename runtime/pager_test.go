package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var opList = &Operation{
	ID:     "ListItems",
	Method: "GET",
	Path:   "/items",
	Params: []Param{
		{Name: "top", In: InQuery},
		{Name: "api-version", In: InHeader, Default: "2024-01-01", HasDefault: true, Internal: true},
	},
	Result: ResultJSON,
}

type item struct {
	ID int `json:"id"`
}

// collect drains a sequence into its items and the error it ended with.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, error) {
	t.Helper()
	var got []T
	for v, err := range seq {
		if err != nil {
			return got, err
		}
		got = append(got, v)
	}
	return got, nil
}

func TestPagerFollowsAbsoluteAndRelativeLinksWithCredentials(t *testing.T) {
	var srv *testServer
	srv = newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		switch n {
		case 1: // absolute link, with the key echoed in its query
			fmt.Fprintf(w, `{"value":[{"id":1},{"id":2}],"@odata.nextLink":%q}`, srv.URL+"/base/items?page=2&code=k3y")
		case 2: // relative to this page's URL
			fmt.Fprint(w, `{"value":[{"id":3}],"@odata.nextLink":"items?page=3"}`)
		case 3: // absolute path
			fmt.Fprint(w, `{"value":[],"@odata.nextLink":"/base/items?page=4#frag"}`)
		case 4:
			fmt.Fprint(w, `{"value":[{"id":4}],"@odata.nextLink":""}`)
		default:
			t.Errorf("unexpected request %d", n)
		}
	})
	c := newTestClient(t, srv, WithAuth(APIKey(InQuery, "code", "k3y")))
	got, err := collect(t, PageItems[item](context.Background(), c, opList, []Arg{Int(2)}, Paging{NextLink: "@odata.nextLink", Items: "value"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []item{{1}, {2}, {3}, {4}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("items %v, want %v", got, want)
	}
	reqs := srv.requests()
	want := []string{"/base/items?top=2&code=k3y", "/base/items?page=2&code=k3y", "/base/items?page=3&code=k3y", "/base/items?page=4&code=k3y"}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		if got := r.Path + "?" + r.RawQuery; r.Method != "GET" || got != want[i] {
			t.Errorf("request %d: %s %s, want GET %s", i+1, r.Method, got, want[i])
		}
		if got := r.Header.Get("api-version"); got != "2024-01-01" {
			t.Errorf("request %d: api-version %q (header parameters go with every page)", i+1, got)
		}
	}
}

func TestPagerPagesAndMiddleware(t *testing.T) {
	var srv *testServer
	srv = newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			fmt.Fprintf(w, `{"data":{"rows":[1,2]},"next":%q}`, srv.URL+"/base/items?p=2")
			return
		}
		fmt.Fprint(w, `{"data":{"rows":[3]},"next":null}`)
	})
	var seen []string
	mw := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			seen = append(seen, r.Header.Get("Authorization"))
			return next.RoundTrip(r)
		})
	}
	c := newTestClient(t, srv, WithAuth(Bearer("tok")), WithMiddleware(mw))
	var pages [][]json.RawMessage
	for p, err := range c.Pages(context.Background(), opList, nil, Paging{NextLink: "next", Items: "data/rows"}) {
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p.Items)
		if p.Response.StatusCode != 200 {
			t.Errorf("status %d", p.Response.StatusCode)
		}
		if len(pages) == 1 && p.NextLink != srv.URL+"/base/items?p=2" {
			t.Errorf("NextLink %q", p.NextLink)
		}
	}
	if fmt.Sprintf("%s", pages) != "[[1 2] [3]]" {
		t.Errorf("pages %s", pages)
	}
	if strings.Join(seen, ",") != "Bearer tok,Bearer tok" {
		t.Errorf("middleware saw Authorization %q", seen)
	}
}

func TestPagerStopsOnEmptyOrAbsentLink(t *testing.T) {
	for _, body := range []string{`{"value":[{"id":1}]}`, `{"value":[{"id":1}],"nextLink":null}`, `{"value":[{"id":1}],"nextLink":"  "}`, `[{"id":1}]`} {
		srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, body) })
		got, err := collect(t, PageItems[item](context.Background(), newTestClient(t, srv), opList, nil, Paging{}))
		if err != nil || len(got) != 1 || srv.count() != 1 {
			t.Errorf("%s: items %v, err %v, %d requests", body, got, err, srv.count())
		}
	}
}

func TestPagerNextLinkCaseInsensitive(t *testing.T) {
	var srv *testServer
	srv = newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			fmt.Fprint(w, `{"value":[{"id":1}],"nextlink":"/base/items?p=2"}`)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":2}]}`)
	})
	got, err := collect(t, PageItems[item](context.Background(), newTestClient(t, srv), opList, nil, Paging{NextLink: "nextLink"}))
	if err != nil || len(got) != 2 {
		t.Fatalf("items %v, err %v", got, err)
	}
}

func TestPagerLoop(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 3 {
			fmt.Fprintf(w, `{"value":[{"id":%d}],"nextLink":"/base/items?p=%d"}`, n, n+1)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":3}],"nextLink":"/base/items?p=2"}`) // back to page 2
	})
	var got []item
	errs := 0
	var last error
	for v, err := range PageItems[item](context.Background(), newTestClient(t, srv), opList, nil, Paging{}) {
		if err != nil {
			errs++
			last = err
			continue // the sequence must end by itself after an error
		}
		got = append(got, v)
	}
	var le *NextLinkError
	if errs != 1 || !errors.Is(last, ErrPageLoop) || !errors.As(last, &le) || !strings.HasSuffix(le.URL, "/base/items?p=2") {
		t.Fatalf("errors %d, last %v", errs, last)
	}
	if len(got) != 3 || srv.count() != 3 {
		t.Errorf("items %v after %d requests", got, srv.count())
	}
}

func TestPagerForeignHostNotFollowed(t *testing.T) {
	other := newTestServer(t, nil)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fmt.Fprintf(w, `{"value":[{"id":1}],"nextLink":%q}`, other.URL+"/steal?sig=x")
	})
	c := newTestClient(t, srv, WithAuth(Bearer("tok")))
	got, err := collect(t, PageItems[item](context.Background(), c, opList, nil, Paging{}))
	if !errors.Is(err, ErrForeignNextLink) || len(got) != 1 {
		t.Fatalf("items %v, err %v", got, err)
	}
	if other.count() != 0 {
		t.Error("the foreign host was called")
	}
	if !strings.Contains(err.Error(), "sig=REDACTED") {
		t.Errorf("error does not redact the link: %v", err)
	}
}

func TestPagerErrorsYieldedOnce(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, n int){
		"status": func(w http.ResponseWriter, n int) {
			if n == 1 {
				fmt.Fprint(w, `{"value":[{"id":1}],"nextLink":"/base/items?p=2"}`)
				return
			}
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error":"no"}`)
		},
		"not json":    func(w http.ResponseWriter, n int) { fmt.Fprint(w, `<html>`) },
		"items":       func(w http.ResponseWriter, n int) { fmt.Fprint(w, `{"value":{"id":1}}`) },
		"item":        func(w http.ResponseWriter, n int) { fmt.Fprint(w, `{"value":[{"id":"one"}]}`) },
		"link number": func(w http.ResponseWriter, n int) { fmt.Fprint(w, `{"value":[],"nextLink":5}`) },
		"link scheme": func(w http.ResponseWriter, n int) { fmt.Fprint(w, `{"value":[],"nextLink":"ftp://x/y"}`) },
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) { h(w, n) })
			n := 0
			var last error
			for _, err := range PageItems[item](context.Background(), newTestClient(t, srv), opList, nil, Paging{}) {
				if err != nil {
					n++
					last = err
				}
			}
			if n != 1 {
				t.Fatalf("%d errors, want 1 (last %v)", n, last)
			}
			var apiErr *Error
			var decErr *DecodeError
			var linkErr *NextLinkError
			if !errors.As(last, &apiErr) && !errors.As(last, &decErr) && !errors.As(last, &linkErr) {
				t.Errorf("error %T %v", last, last)
			}
		})
	}
}

func TestPagerBreakStopsFetching(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fmt.Fprintf(w, `{"value":[{"id":%d},{"id":0}],"nextLink":"/base/items?p=%d"}`, n, n+1)
	})
	for v, err := range PageItems[item](context.Background(), newTestClient(t, srv), opList, nil, Paging{}) {
		if err != nil || v.ID != 1 {
			t.Fatal(v, err)
		}
		break
	}
	if srv.count() != 1 {
		t.Errorf("%d requests after break, want 1", srv.count())
	}
}

func TestPagerContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fmt.Fprintf(w, `{"value":[{"id":%d}],"nextLink":"/base/items?p=%d"}`, n, n+1)
	})
	var got []item
	var last error
	for v, err := range PageItems[item](ctx, newTestClient(t, srv), opList, nil, Paging{}) {
		if err != nil {
			last = err
			break
		}
		got = append(got, v)
		if len(got) == 2 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) || srv.count() != 2 {
		t.Fatalf("err %v after %d requests", last, srv.count())
	}
}

func TestPagerRetriesAPage(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			fmt.Fprint(w, `{"value":[{"id":1}],"nextLink":"/base/items?p=2"}`)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, `{"value":[{"id":2}]}`)
		}
	})
	c := newTestClient(t, srv, WithRetry(RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	got, err := collect(t, PageItems[item](context.Background(), c, opList, nil, Paging{}))
	if err != nil || len(got) != 2 || srv.count() != 3 {
		t.Fatalf("items %v, err %v, %d requests", got, err, srv.count())
	}
}

func TestPagerFollowsRedirectBase(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/base/items", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery == "" {
			http.Redirect(w, r, "/v2/items", http.StatusFound)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":2}]}`)
	})
	mux.HandleFunc("/v2/items", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery == "" {
			fmt.Fprint(w, `{"value":[{"id":1}],"nextLink":"items?p=2"}`)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":2}]}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := NewClient(srv.URL+"/base", WithRetry(RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for p, err := range c.Pages(context.Background(), opList, nil, Paging{}) {
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, p.NextLink)
	}
	if len(links) != 2 || links[0] != srv.URL+"/v2/items?p=2" {
		t.Errorf("links %q", links)
	}
}

// TestPagerAppliesPolicies: next pages are requests of the operation, so
// its policies apply to each of them (the platform's engine bypasses
// them); an updatenextlink policy moves a link to the declared service
// onto the client's base URL before the pager reads it.
func TestPagerAppliesPolicies(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.RawQuery == "" {
			fmt.Fprint(w, `{"value":[{"id":1}],"@odata.nextLink":"https://service.invalid/base/items?page=2"}`)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":2}]}`)
	})
	op := *opList
	op.Policies = []*Policy{
		{Template: PolicySetHeader, Name: "X-Tenant", Value: "contoso"},
		{Template: PolicyUpdateNextLink, Index: 1, Name: "@odata.nextLink"},
	}
	c := policyClient(t, s, false, WithAuth(Bearer("tok")))
	got, err := collect(t, PageItems[item](context.Background(), c, &op, nil, Paging{NextLink: "@odata.nextLink"}))
	if err != nil || len(got) != 2 {
		t.Fatalf("items %v, err %v", got, err)
	}
	for i, r := range s.requests() {
		if r.Header.Get("X-Tenant") != "contoso" || r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("page %d: X-Tenant %q, Authorization %q", i+1, r.Header.Get("X-Tenant"), r.Header.Get("Authorization"))
		}
	}
	if r := s.requests()[1]; r.Path != "/base/items" || r.RawQuery != "page=2" {
		t.Errorf("page 2: %s?%s", r.Path, r.RawQuery)
	}

	// Without the policy the same link leaves the client's base URL: not followed.
	op.Policies = op.Policies[:1]
	_, err = collect(t, PageItems[item](context.Background(), c, &op, nil, Paging{NextLink: "@odata.nextLink"}))
	if !errors.Is(err, ErrForeignNextLink) {
		t.Errorf("err %v, want ErrForeignNextLink", err)
	}
}

// With a dynamichosturl policy the first page comes from the host the
// policy computes: its next links (relative ones resolve there) are
// followed, with credentials.
func TestPagerDynamicHost(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			fmt.Fprint(w, `{"value":[{"id":1}],"nextLink":"items?page=2"}`)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":2}]}`)
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	c, err := NewClient("https://service.invalid/base", WithRetry(RetryPolicy{}), WithAuth(Bearer("tok")),
		WithConnectionParameters(map[string]any{"host": host}),
		WithPolicies(&Policy{Template: PolicyDynamicHostURL, URL: "http://@connectionParameters('host')/api"}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, PageItems[item](context.Background(), c, opList, nil, Paging{}))
	if err != nil || len(got) != 2 || got[1].ID != 2 {
		t.Fatalf("items %v, err %v", got, err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 || reqs[1].Path != "/api/items" || reqs[1].RawQuery != "page=2" || reqs[1].Header.Get("Authorization") != "Bearer tok" {
		t.Fatalf("requests %+v", reqs)
	}
}
