package govee_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/govee"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

const apiKey = "govee-key-123"

var jsonHeader = map[string]string{"Content-Type": "application/json"}

// goveeScript is the connector's script.csx ported to Go: for
// RunCommandOnDevice it moves the value of the selected command ("turn",
// "brightness", "color" or "colorTem") into cmd.value, sends the request
// and returns the backend's response; an unknown command is answered with
// 400 without calling the backend.
type goveeScript struct{ calls []string }

func (s *goveeScript) Execute(ctx context.Context, sc *runtime.ScriptContext) (*http.Response, error) {
	s.calls = append(s.calls, sc.OperationID)
	b, err := io.ReadAll(sc.Request.Body)
	if err != nil {
		return nil, err
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	var cmd struct{ Name string }
	json.Unmarshal(in["cmd"], &cmd)
	value, ok := in[cmd.Name]
	if !ok || cmd.Name == "cmd" || cmd.Name == "device" || cmd.Name == "model" {
		resp := &http.Response{StatusCode: http.StatusBadRequest}
		return resp, runtime.SetResponseJSON(resp, map[string]string{"message": "Invalid or missing command parameters."})
	}
	out := map[string]any{
		"device": in["device"],
		"model":  in["model"],
		"cmd":    map[string]any{"name": cmd.Name, "value": value},
	}
	if err := runtime.SetRequestJSON(sc.Request, out); err != nil {
		return nil, err
	}
	return sc.Send(sc.Request)
}

func newClient(t *testing.T, srv *recorder.Server, opts ...runtime.Option) *govee.Client {
	t.Helper()
	c, err := govee.New(govee.Connection{APIKey: apiKey}, append([]runtime.Option{runtime.WithBaseURL(srv.URL + "/v1"), runtime.WithRetry(runtime.RetryPolicy{})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var brightness = govee.RunCommandOnDeviceRequest{
	Device:     "AA:BB:CC",
	Model:      "H6159",
	Cmd:        &govee.RunCommandOnDeviceRequestCmd{Name: govee.RunCommandOnDeviceRequestCmdNameBrightness},
	Brightness: runtime.Some[int64](40),
}

// TestScriptRewritesRequest: with the ported script installed,
// RunCommandOnDevice (listed in scriptOperations) reaches the backend in
// the shape the script builds, with the connection's API key.
func TestScriptRewritesRequest(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{"code":200,"message":"Success","data":{}}`})
	script := &goveeScript{}
	res, err := newClient(t, srv, govee.WithScript(script)).RunCommandOnDevice(context.Background(), brightness)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code.V != 200 || res.Message.V != "Success" {
		t.Errorf("result %+v", res)
	}
	req := srv.Only(t)
	if req.Method != "PUT" || req.Path != "/v1/devices/control" {
		t.Errorf("request %s %s", req.Method, req.Path)
	}
	if got := string(req.Body); got != `{"cmd":{"name":"brightness","value":40},"device":"AA:BB:CC","model":"H6159"}` {
		t.Errorf("backend got %s", got)
	}
	if got := req.Header.Get("Govee-API-Key"); got != apiKey {
		t.Errorf("Govee-API-Key %q", got)
	}
	if len(script.calls) != 1 || script.calls[0] != "RunCommandOnDevice" {
		t.Errorf("script calls %v", script.calls)
	}
}

// TestScriptAnswersWithoutBackend: the script's own 400 is the
// operation's response, a *runtime.Error, and nothing is sent.
func TestScriptAnswersWithoutBackend(t *testing.T) {
	srv := recorder.New(t, recorder.Response{})
	bad := brightness
	bad.Cmd = &govee.RunCommandOnDeviceRequestCmd{Name: govee.RunCommandOnDeviceRequestCmdNameColor} // no color given
	_, err := newClient(t, srv, govee.WithScript(&goveeScript{})).RunCommandOnDevice(context.Background(), bad)
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || string(apiErr.Body) != `{"message":"Invalid or missing command parameters."}` {
		t.Fatalf("err %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("backend called %d times", n)
	}
}

// TestNoScriptGoesToBackend: without a Script the request goes straight
// to the backend in the codeless shape (what generation warns about), and
// operations outside scriptOperations never reach an installed Script.
func TestNoScriptGoesToBackend(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{"code":200,"message":"Success","data":{"devices":[]}}`})
	if _, err := newClient(t, srv).RunCommandOnDevice(context.Background(), brightness); err != nil {
		t.Fatal(err)
	}
	if got := string(srv.Only(t).Body); got != `{"device":"AA:BB:CC","model":"H6159","cmd":{"name":"brightness"},"brightness":40}` {
		t.Errorf("backend got %s", got)
	}
	script := &goveeScript{}
	if _, err := newClient(t, srv, govee.WithScript(script)).GetDeviceInformation(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if req := srv.Only(t); req.Method != "GET" || req.Path != "/v1/devices" || req.Header.Get("Govee-API-Key") != apiKey {
		t.Errorf("request %s %s", req.Method, req.Path)
	}
	if len(script.calls) != 0 {
		t.Errorf("script ran for %v", script.calls)
	}
}
