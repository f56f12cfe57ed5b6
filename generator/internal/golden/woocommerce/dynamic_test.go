package woocommerce_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/woocommerce"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

var conn = woocommerce.Connection{WpSiteURL: "https://shop.example", Username: "ck_user", Password: "cs_secret"}

func newClient(t *testing.T, srv *recorder.Server) *woocommerce.Client {
	t.Helper()
	c, err := woocommerce.New(conn, runtime.WithBaseURL(srv.URL+"/wp-json/wc-powerautomate/v1"), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func checkBasicAuth(t *testing.T, r recorder.Request) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != "Basic Y2tfdXNlcjpjc19zZWNyZXQ=" { // ck_user:cs_secret
		t.Errorf("%s %s: Authorization %q", r.Method, r.Path, got)
	}
}

// TestResourceValues: the "resource" path parameter of GetResourceById has
// x-ms-dynamic-list (and x-ms-dynamic-values) calling the internal
// GetResources without parameters and without itemsPath: the response is
// the array, each item's "resource" is the value and "name" the title.
func TestResourceValues(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `[
		{"key":"p","name":"Products","resource":"products"},
		{"key":"o","name":"Orders","resource":"orders"}]`})
	got, err := newClient(t, srv).GetResourceByIDResourceValues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []runtime.Choice[string]{{Value: "products", Title: "Products"}, {Value: "orders", Title: "Orders"}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("values %v, want %v", got, want)
	}
	req := srv.Only(t)
	if req.Method != "GET" || req.Path != "/wp-json/wc-powerautomate/v1/resources" || req.Query != "" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	checkBasicAuth(t, req)
}

// TestWebhookTopicValuesBoundToBodyProperty: the "topic" property of the
// CreateWebhook body has x-ms-dynamic-list calling GetTriggerTopics with
// {"resource": {"parameterReference": "body/webhook_resource_schema"}}:
// the helper takes that body property's value and sends it as GetTriggerTopics'
// query parameter "resource".
func TestWebhookTopicValuesBoundToBodyProperty(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `[{"name":"Product created","key":"product.created"},{"name":"Product deleted","key":"product.deleted"}]`})
	got, err := newClient(t, srv).CreateWebhookTopicValues(context.Background(), "product items")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != (runtime.Choice[string]{Value: "product.deleted", Title: "Product deleted"}) {
		t.Errorf("values %v", got)
	}
	req := srv.Only(t)
	if req.Path != "/wp-json/wc-powerautomate/v1/webhook_topics" || req.Query != "resource=product+items" {
		t.Errorf("request %s?%s", req.Path, req.Query)
	}
	checkBasicAuth(t, req)
}

// TestDynamicPropertiesSchemas: the bodies and responses of the resource
// actions are x-ms-dynamic-properties (json.RawMessage in Go). The helpers
// call ResourceSchema (an OPTIONS request) with the resource bound from
// the action's parameter and return the schema at itemValuePath: "post"
// for CreateResource's body, "schema" for its response.
func TestDynamicPropertiesSchemas(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{
		"post":{"type":"object","properties":{"name":{"type":"string"}}},
		"schema":{"type":"object","properties":{"id":{"type":"integer"}}},
		"patch":null}`})
	c := newClient(t, srv)
	body, err := c.CreateResourceRequestSchema(context.Background(), "products")
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != `{"type":"object","properties":{"name":{"type":"string"}}}` {
		t.Errorf("request schema %s", body)
	}
	resp, err := c.CreateResourceResponseSchema(context.Background(), "products")
	if err != nil || string(resp) != `{"type":"object","properties":{"id":{"type":"integer"}}}` {
		t.Errorf("response schema %s, %v", resp, err)
	}
	for _, r := range srv.Requests() {
		if r.Method != "OPTIONS" || r.Path != "/wp-json/wc-powerautomate/v1/resources/products" {
			t.Errorf("request %s %s", r.Method, r.Path)
		}
		checkBasicAuth(t, r)
	}
	// UpdateResource's body schema is at "patch" of ResourceMemberSchema:
	// null there means no schema.
	patch, err := c.UpdateResourceRequestSchema(context.Background(), "orders")
	if err != nil || patch != nil {
		t.Errorf("patch schema %s, %v", patch, err)
	}
	if r := srv.Only(t); r.Method != "OPTIONS" || r.Path != "/wp-json/wc-powerautomate/v1/resources/orders/1" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
}

// TestDynamicValuesErrors: a failing lookup is a *runtime.Error; a
// response that is not the declared array is a *runtime.DecodeError.
func TestDynamicValuesErrors(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Status: 401, Body: `{"code":"woocommerce_rest_cannot_view"}`})
	_, err := newClient(t, srv).DeleteResourceResourceValues(context.Background())
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.OperationID != "GetResources" {
		t.Errorf("err %v", err)
	}
	srv = recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{"resources":[]}`})
	_, err = newClient(t, srv).DeleteResourceResourceValues(context.Background())
	var decErr *runtime.DecodeError
	if !errors.As(err, &decErr) {
		t.Errorf("err %v", err)
	}
}
