package wttrin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/wttrin"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/wttrin.
var connector = recorder.RepoPath(4, "testdata/connectors/wttr.in")

// The connector has no connection parameters and no security.
var conn = map[string]string{}

var textHeader = map[string]string{"Content-Type": "text/plain; charset=utf-8"}

func newClient(t *testing.T, srv *recorder.Server) *wttrin.Client {
	t.Helper()
	c, err := wttrin.New(wttrin.Connection{}, runtime.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs the operation through `connectorgen call` and returns the
// request it sent, after checking the exit code (0 for a 2xx status, 1
// otherwise), stdout (the response body) and stderr (the status line).
func call(t *testing.T, srv *recorder.Server, wantStdout string, status int, args ...string) recorder.Request {
	t.Helper()
	stdout, stderr, code := srv.Call(t, connector, conn, args...)
	wantCode := 0
	if status/100 != 2 {
		wantCode = 1
	}
	if code != wantCode {
		t.Fatalf("connectorgen call: exit %d, want %d (stderr: %s)", code, wantCode, stderr)
	}
	if stdout != wantStdout {
		t.Errorf("connectorgen call: stdout %q, want %q", stdout, wantStdout)
	}
	if want := fmt.Sprintf("%d %s\n", status, http.StatusText(status)); stderr != want {
		t.Errorf("connectorgen call: stderr %q, want %q", stderr, want)
	}
	return srv.Only(t)
}

func checkNoCredentials(t *testing.T, req recorder.Request) {
	t.Helper()
	for _, h := range []string{"Authorization", "Accept", "Content-Type"} {
		if v, ok := req.Header[h]; ok {
			t.Errorf("header %s: %q, want none", h, v)
		}
	}
	if len(req.Body) != 0 {
		t.Errorf("body %q, want none", req.Body)
	}
}

func TestWeatherGet(t *testing.T) {
	const resp = "Weather report: a/b c\n\n  \u2601  +8(6) \u00b0C\n"
	srv := recorder.New(t, recorder.Response{Header: textHeader, Body: resp})
	out, err := newClient(t, srv).WeatherGet(context.Background(), "a/b c", &wttrin.WeatherGetOptions{
		View: runtime.Some(wttrin.WeatherGetViewQ2),
		Lang: runtime.Some(wttrin.WeatherGetLangPtBr),
	})
	if err != nil {
		t.Fatal(err)
	}
	// A text/plain string result is the body, verbatim.
	if out != resp {
		t.Errorf("result %q, want %q", out, resp)
	}
	req := srv.Only(t)
	// The path value is escaped once, as one segment ("/" included).
	if req.Method != http.MethodGet || req.Path != "/a%2Fb%20c" || req.Query != "view=Q&lang=pt-br" {
		t.Errorf("request line %s %s?%s, want GET /a%%2Fb%%20c?view=Q&lang=pt-br", req.Method, req.Path, req.Query)
	}
	checkNoCredentials(t, req)
	recorder.Same(t, req, call(t, srv, resp, 200, "--param", "location=a/b c", "--param", "view=Q", "--param", "lang=pt-br", "WeatherGet"))
}

func TestWeatherGetDefaults(t *testing.T) {
	const resp = "Z\u00fcrich: \u2600 +21\u00b0C\n"
	srv := recorder.New(t, recorder.Response{Header: textHeader, Body: resp})
	out, err := newClient(t, srv).WeatherGet(context.Background(), "Z\u00fcrich 100%", nil)
	if err != nil {
		t.Fatal(err)
	}
	if out != resp {
		t.Errorf("result %q, want %q", out, resp)
	}
	req := srv.Only(t)
	// "%" is escaped once (%25, not %2525); view is not sent; lang sends
	// its default.
	if req.Method != http.MethodGet || req.Path != "/Z%C3%BCrich%20100%25" || req.Query != "lang=en" {
		t.Errorf("request line %s %s?%s, want GET /Z%%C3%%BCrich%%20100%%25?lang=en", req.Method, req.Path, req.Query)
	}
	checkNoCredentials(t, req)
	recorder.Same(t, req, call(t, srv, resp, 200, "--param", "location=Z\u00fcrich 100%", "WeatherGet"))
}

func TestWeatherGetError(t *testing.T) {
	const resp = "Unknown location; please try ~52.5,13.4\n"
	srv := recorder.New(t, recorder.Response{Status: http.StatusNotFound, Header: textHeader, Body: resp})
	out, err := newClient(t, srv).WeatherGet(context.Background(), "~nowhere", &wttrin.WeatherGetOptions{View: runtime.Some(wttrin.WeatherGetViewX1)})
	if out != "" {
		t.Errorf("result %q, want empty", out)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "WeatherGet" || apiErr.StatusCode != 404 || apiErr.Status != "404 Not Found" || string(apiErr.Body) != resp {
		t.Errorf("error %+v, want WeatherGet 404 Not Found with body %q", apiErr, resp)
	}
	req := srv.Only(t)
	if req.Path != "/~nowhere" || req.Query != "view=1&lang=en" {
		t.Errorf("request %s?%s, want /~nowhere?view=1&lang=en", req.Path, req.Query)
	}
	recorder.Same(t, req, call(t, srv, resp, 404, "--param", "location=~nowhere", "--param", "view=1", "WeatherGet"))
}
