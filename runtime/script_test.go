package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var opControl = &Operation{ID: "Control", Method: "PUT", Path: "/control", Params: []Param{{Name: "body", In: InBody}}, Body: BodyJSON, ContentType: "application/json", Result: ResultJSON}

var opDevices = &Operation{ID: "Devices", Method: "GET", Path: "/devices", Result: ResultJSON}

func TestScriptRewritesRequestAndResponse(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"code":200}`)
	})
	var ids []string
	script := ScriptFunc(func(ctx context.Context, sc *ScriptContext) (*http.Response, error) {
		ids = append(ids, sc.OperationID)
		if got := sc.Request.Header.Get("Authorization"); got != "Bearer tok" {
			t.Errorf("script sees Authorization %q, want the credentials attached", got)
		}
		b, _ := io.ReadAll(sc.Request.Body)
		var in map[string]any
		json.Unmarshal(b, &in)
		in["wrapped"] = true
		if err := SetRequestJSON(sc.Request, in); err != nil {
			return nil, err
		}
		resp, err := sc.Send(sc.Request)
		if err != nil {
			return nil, err
		}
		out, _ := io.ReadAll(resp.Body)
		return resp, SetResponseJSON(resp, map[string]json.RawMessage{"backend": out})
	})
	c := newTestClient(t, srv, WithAuth(Bearer("tok")), WithScript(script, "Control"))
	var out map[string]any
	if _, err := c.Do(context.Background(), opControl, []Arg{JSON(map[string]string{"a": "b"})}, &out); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out) != "map[backend:map[code:200]]" {
		t.Errorf("result %v", out)
	}
	if got := string(srv.requests()[0].Body); got != `{"a":"b","wrapped":true}` {
		t.Errorf("backend got %s", got)
	}
	// An operation the script does not cover goes straight to the backend.
	if _, err := c.Do(context.Background(), opDevices, nil, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "Control" || srv.count() != 2 {
		t.Errorf("script ran for %v; %d requests", ids, srv.count())
	}
}

func TestScriptWithoutBackendAndForAllOperations(t *testing.T) {
	srv := newTestServer(t, nil)
	script := ScriptFunc(func(ctx context.Context, sc *ScriptContext) (*http.Response, error) {
		resp := &http.Response{StatusCode: http.StatusOK}
		return resp, SetResponseJSON(resp, map[string]string{"op": sc.OperationID})
	})
	c := newTestClient(t, srv, WithScript(script))
	for _, op := range []*Operation{opControl, opDevices} {
		var out map[string]string
		if _, err := c.Do(context.Background(), op, nil, &out); err != nil || out["op"] != op.ID {
			t.Errorf("%s: %v, %v", op.ID, out, err)
		}
	}
	if srv.count() != 0 {
		t.Errorf("backend called %d times", srv.count())
	}
}

func TestScriptStatusAndErrors(t *testing.T) {
	srv := newTestServer(t, nil)
	attempts := 0
	bad := ScriptFunc(func(ctx context.Context, sc *ScriptContext) (*http.Response, error) {
		attempts++
		return &http.Response{StatusCode: http.StatusBadRequest, Body: io.NopCloser(strings.NewReader(`"Unknown operation"`))}, nil
	})
	c := newTestClient(t, srv, WithScript(bad))
	_, err := c.Do(context.Background(), opDevices, nil, nil)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || string(apiErr.Body) != `"Unknown operation"` {
		t.Errorf("err %v", err)
	}

	// A failing script is retried like a transport failure (the platform
	// answers 500, which the engine retries).
	attempts = 0
	boom := errors.New("boom")
	failing := ScriptFunc(func(ctx context.Context, sc *ScriptContext) (*http.Response, error) {
		attempts++
		return nil, boom
	})
	c = newTestClient(t, srv, WithScript(failing), WithRetry(RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond}))
	if _, err := c.Do(context.Background(), opDevices, nil, nil); !errors.Is(err, boom) || attempts != 3 {
		t.Errorf("err %v after %d attempts", err, attempts)
	}
	nilResp := ScriptFunc(func(ctx context.Context, sc *ScriptContext) (*http.Response, error) { return nil, nil })
	c = newTestClient(t, srv, WithScript(nilResp))
	if _, err := c.Do(context.Background(), opDevices, nil, nil); err == nil {
		t.Error("a nil response is not an error")
	}
	if srv.count() != 0 {
		t.Errorf("backend called %d times", srv.count())
	}
}
