package wttrin_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/wttrin"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// promo stands for the HTML fragment that the connector's script.csx
// removes from every response.
const promo = "\n<a href=\"https://twitter.com/igor_chubin\">Follow @igor_chubin</a>\n"

// stripPromo is the connector's script ported to Go: send the request as
// it is, then remove the fragment from the response text.
var stripPromo = wttrin.Script(runtime.ScriptFunc(func(ctx context.Context, sc *runtime.ScriptContext) (*http.Response, error) {
	resp, err := sc.Send(sc.Request)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	text := strings.ReplaceAll(string(b), promo, "")
	resp.Body = io.NopCloser(strings.NewReader(text))
	resp.ContentLength = int64(len(text))
	resp.Header.Set("Content-Type", "text/html; charset=utf-8")
	return resp, nil
}))

// TestScriptTransformsResponse: the connector's apiProperties.json has an
// empty scriptOperations list, so its script covers every operation; the
// installed Script rewrites WeatherGet's response. Without it the
// backend's text comes back unchanged.
func TestScriptTransformsResponse(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: textHeader, Body: "Paris: +12°C" + promo})
	c, err := wttrin.New(wttrin.Connection{}, runtime.WithBaseURL(srv.URL), wttrin.WithScript(stripPromo))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.WeatherGet(context.Background(), "Paris", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != "Paris: +12°C" {
		t.Errorf("result %q", got)
	}
	if req := srv.Only(t); req.Path != "/Paris" || req.Query != "lang=en" {
		t.Errorf("request %s?%s", req.Path, req.Query)
	}

	got, err = newClient(t, srv).WeatherGet(context.Background(), "Paris", nil)
	if err != nil || got != "Paris: +12°C"+promo {
		t.Errorf("without a script: %q, %v", got, err)
	}
}
