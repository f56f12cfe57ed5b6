package emigo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/emigo"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

func newClient(t *testing.T, srv *recorder.Server) *emigo.Client {
	t.Helper()
	c, err := emigo.New(emigo.Connection{Token: runtime.StaticToken(token)}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

// TestODataItemsAllFollowsNextLinks: GetODataItems is x-ms-pageable with
// nextLinkName "@odata.nextLink". GetODataItemsAll yields the typed items
// of every page: it follows an absolute link and a relative one (resolved
// against the page that carried it), sends the connection's token with
// every page, and stops at the page without a link.
func TestODataItemsAllFollowsNextLinks(t *testing.T) {
	var srv *recorder.Server
	srv = recorder.NewFunc(t, func(r recorder.Request) recorder.Response {
		switch r.Query {
		case "":
			return recorder.Response{Header: jsonHeader, Body: fmt.Sprintf(
				`{"value":[{"Name":"a","DisplayName":"A"},{"Name":"b"}],"@odata.nextLink":%q}`,
				srv.URL+"/datasets/sales%2Feu/feeds/orders/items?$skiptoken=2")}
		case "$skiptoken=2":
			return recorder.Response{Header: jsonHeader, Body: `{"value":[{"Name":"c","DisplayName":"C"}],"@odata.nextLink":"items?$skiptoken=3"}`}
		default:
			return recorder.Response{Header: jsonHeader, Body: `{"value":[{"Name":"d"}]}`}
		}
	})
	var names []string
	for feed, err := range newClient(t, srv).GetODataItemsAll(context.Background(), "sales/eu", "orders") {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, feed.Name.V+"/"+feed.DisplayName.Or("-"))
	}
	if fmt.Sprint(names) != "[a/A b/- c/C d/-]" {
		t.Errorf("items %v", names)
	}
	reqs := srv.Requests()
	want := []string{
		"/datasets/sales%2Feu/feeds/orders/items?",
		"/datasets/sales%2Feu/feeds/orders/items?$skiptoken=2",
		"/datasets/sales%2Feu/feeds/orders/items?$skiptoken=3",
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		if got := r.Path + "?" + r.Query; r.Method != "GET" || got != want[i] {
			t.Errorf("page %d: %s %s, want GET %s", i+1, r.Method, got, want[i])
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+token {
			t.Errorf("page %d: Authorization %q", i+1, got)
		}
	}
}

// TestItemsAllStopsOnError: a failing page ends the iteration with one
// *runtime.Error after the items already received; the raw items of
// GetItems (dynamic schema) come through as JSON.
func TestItemsAllStopsOnError(t *testing.T) {
	srv := recorder.NewFunc(t, func(r recorder.Request) recorder.Response {
		if r.Query == "" {
			return recorder.Response{Header: jsonHeader, Body: `{"value":[{"id":1}],"@odata.nextLink":"/datasets/t/tables/x/items?page=2"}`}
		}
		return recorder.Response{Status: 500, Body: `{"error":"down"}`}
	})
	var items []json.RawMessage
	var errs []error
	for item, err := range newClient(t, srv).GetItemsAll(context.Background(), "t", "x") {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, item)
	}
	var apiErr *runtime.Error
	if len(items) != 1 || string(items[0]) != `{"id":1}` || len(errs) != 1 || !errors.As(errs[0], &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("items %s, errors %v", items, errs)
	}
}

// TestFeedValuesBoundToEndpoint: the "feed" parameter of GetODataItems has
// x-ms-dynamic-values calling GetFeeds with {"endpoint": {"parameter":
// "endpoint"}}: the helper takes the endpoint, sends it as GetFeeds' path
// parameter with the connection's token, and returns the Name/DisplayName
// pairs of "value".
func TestFeedValuesBoundToEndpoint(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{"value":[
		{"Name":"orders","DisplayName":"Orders"},
		{"Name":"invoices","DisplayName":"Invoices"},
		{"DisplayName":"no name"}]}`})
	got, err := newClient(t, srv).GetODataItemsFeedValues(context.Background(), "sales/eu")
	if err != nil {
		t.Fatal(err)
	}
	want := []runtime.Choice[string]{{Value: "orders", Title: "Orders"}, {Value: "invoices", Title: "Invoices"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("values %v, want %v", got, want)
	}
	req := srv.Only(t)
	if req.Method != "GET" || req.Path != "/datasets/sales%2Feu/feeds" || req.Header.Get("Authorization") != "Bearer "+token {
		t.Errorf("request %s %s, Authorization %q", req.Method, req.Path, req.Header.Get("Authorization"))
	}

	// Without bound parameters: GetItems' "type" values come from GetTypes.
	srv = recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{"value":[{"Name":"sales","DisplayName":"Sales"}]}`})
	types, err := newClient(t, srv).GetItemsTypeValues(context.Background())
	if err != nil || len(types) != 1 || types[0] != (runtime.Choice[string]{Value: "sales", Title: "Sales"}) {
		t.Fatalf("types %v, %v", types, err)
	}
	if req := srv.Only(t); req.Path != "/datasets/types" {
		t.Errorf("path %s", req.Path)
	}
}

// TestItemsSchema: the items of GetItems' "value" carry
// x-ms-dynamic-schema (GetTable, value-path "Schema/Items"); the helper
// binds both path parameters and returns the schema found there.
func TestItemsSchema(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{"name":"x","Schema":{"Items":{"type":"object","properties":{"id":{"type":"integer"}}}}}`})
	schema, err := newClient(t, srv).GetItemsResponseValueSchema(context.Background(), "sales", "orders 2024")
	if err != nil {
		t.Fatal(err)
	}
	if string(schema) != `{"type":"object","properties":{"id":{"type":"integer"}}}` {
		t.Errorf("schema %s", schema)
	}
	if req := srv.Only(t); req.Path != "/$metadata.json/datasets/sales/tables/orders%202024" {
		t.Errorf("path %s", req.Path)
	}
}
