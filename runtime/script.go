package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
)

// Custom code (script.csx, connector-protocol.md §7).
//
// On the platform a connector's C# script runs, for the operations it
// covers, in place of the gateway's own call to the backend: it receives
// the request (credentials and request policies already applied), may
// change it, may send it (or other requests) with Context.SendAsync, and
// whatever response it returns is the operation's response. connectorgen
// does not run C#; a [Script] is the same contract in Go, which a user
// implements to reproduce what the connector's script does. Without one,
// requests go straight to the backend.
//
// The script runs inside the client's request loop: once per attempt,
// after the [Authorizer], with the attempt's *http.Request. Its response
// is then treated as the backend's: a non-2xx status is an [*Error], and
// retryable statuses are retried under the client's [RetryPolicy] (the
// platform's engine retries the action, script included, the same way).
// An error returned by Execute is treated as a transport failure (the
// platform answers a failing script with a 500, which the engine retries).

// Script is custom code for a connector's operations: the Go form of
// ScriptBase.ExecuteAsync. Implementations must be safe for concurrent use
// when the client is used concurrently.
type Script interface {
	// Execute handles one attempt of the operation sc.OperationID and
	// returns its response: usually sc.Send(sc.Request), with the request
	// or the response changed. The response body is closed by the client.
	Execute(ctx context.Context, sc *ScriptContext) (*http.Response, error)
}

// ScriptFunc adapts a function to [Script].
type ScriptFunc func(ctx context.Context, sc *ScriptContext) (*http.Response, error)

// Execute calls f(ctx, sc).
func (f ScriptFunc) Execute(ctx context.Context, sc *ScriptContext) (*http.Response, error) {
	return f(ctx, sc)
}

// ScriptContext is what a [Script] gets for one attempt (IScriptContext).
type ScriptContext struct {
	// OperationID is the operationId of the operation being executed.
	OperationID string
	// Request is the outgoing request, credentials attached. The script
	// may change it (method, URL, headers, body) or build others.
	Request *http.Request
	// Logger is the client's logger (see [WithLogger]).
	Logger *slog.Logger

	send func(*http.Request) (*http.Response, error)
}

// Send sends req to the backend (Context.SendAsync) through the client's
// *http.Client, so middleware sees it. Credentials are not attached again
// (Request already carries them; a request built from scratch carries
// only what the script puts in it) and Send itself does not retry.
func (sc *ScriptContext) Send(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, errors.New("runtime: ScriptContext.Send: nil request")
	}
	return sc.send(req)
}

// WithScript runs s in place of sending the requests of the operations
// named by operationIDs, or of every operation when none is named.
// Generated packages that come from a connector with custom code offer a
// typed WithScript that names the operations the connector's script
// covers.
func WithScript(s Script, operationIDs ...string) Option {
	return func(o *options) {
		if s == nil {
			o.script = nil
			return
		}
		h := &scriptHook{s: s}
		if len(operationIDs) > 0 {
			h.ops = make(map[string]bool, len(operationIDs))
			for _, id := range operationIDs {
				h.ops[id] = true
			}
		}
		o.script = h
	}
}

// scriptHook is an installed Script and the operations it covers.
type scriptHook struct {
	s   Script
	ops map[string]bool // nil: every operation
}

// roundTrip sends one attempt: through the script when it covers op,
// else straight through the HTTP client.
func (c *Client) roundTrip(op *Operation, hreq *http.Request) (*http.Response, error) {
	h := c.script
	if h == nil || (h.ops != nil && !h.ops[op.ID]) {
		return c.hc.Do(hreq)
	}
	sc := &ScriptContext{OperationID: op.ID, Request: hreq, Logger: c.log, send: c.hc.Do}
	resp, err := h.s.Execute(hreq.Context(), sc)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("custom code: %w", err)
	}
	if resp == nil {
		return nil, errors.New("custom code returned no response")
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if resp.Header == nil {
		resp.Header = make(http.Header)
	}
	if resp.Status == "" {
		resp.Status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	if resp.Request == nil {
		resp.Request = sc.Request
	}
	return resp, nil
}

// SetRequestJSON replaces the body of req with the JSON encoding of v
// (json.RawMessage and []byte holding JSON are sent as they are) and sets
// Content-Type to application/json: CreateJSONContent for a request.
func SetRequestJSON(req *http.Request, v any) error {
	b, err := jsonContent(v)
	if err != nil {
		return err
	}
	if req.Body != nil {
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
	req.Header.Set("Content-Type", "application/json")
	return nil
}

// SetResponseJSON replaces the body of resp with the JSON encoding of v
// (as [SetRequestJSON]) and sets Content-Type to application/json:
// CreateJSONContent for a response.
func SetResponseJSON(resp *http.Response, v any) error {
	b, err := jsonContent(v)
	if err != nil {
		return err
	}
	if resp.Body != nil {
		resp.Body.Close()
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	if resp.Header == nil {
		resp.Header = make(http.Header)
	}
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Del("Content-Length")
	return nil
}

func jsonContent(v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		if !json.Valid(b) {
			return nil, errors.New("runtime: invalid JSON")
		}
		return b, nil
	}
	return json.Marshal(v)
}
