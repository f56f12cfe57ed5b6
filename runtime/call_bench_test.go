package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// benchTask is the request and response model of BenchmarkActionCall.
type benchTask struct {
	ID       string   `json:"id,omitempty"`
	Title    string   `json:"title"`
	Priority string   `json:"priority,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Done     bool     `json:"done"`
}

// BenchmarkActionCall measures one action call through the whole runtime
// path — argument encoding, API-key auth, a connector-wide setheader
// policy reading a connection parameter, JSON body, JSON result — against
// a hand-written net/http + encoding/json call sending the same request
// to the same loopback server, in the same run (issue 4: ≤ 1.2× the time,
// ≤ 10 more allocations per call).
//
//	go test -run='^$' -bench=ActionCall -benchmem -count=5 ./runtime
func BenchmarkActionCall(b *testing.B) {
	const key = "k-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in benchTask
		if r.Header.Get("X-Api-Key") != key || r.Header.Get("X-Tenant") != "Tenant acme" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		in.ID = r.PathValue("list") + "-1"
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(in)
	}))
	srv.Config.Handler = func(h http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("POST /v1/lists/{list}/tasks", h)
		return mux
	}(srv.Config.Handler)
	b.Cleanup(srv.Close)

	task := benchTask{Title: "Write the benchmark", Priority: "high", Tags: []string{"perf", "runtime"}}
	check := func(b *testing.B, out benchTask) {
		if out.ID != "inbox-1" || out.Title != task.Title || len(out.Tags) != 2 {
			b.Fatalf("response %+v", out)
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.Cleanup(hc.CloseIdleConnections)

	b.Run("handwritten", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			body, err := json.Marshal(task)
			if err != nil {
				b.Fatal(err)
			}
			u := srv.URL + "/v1/lists/" + url.PathEscape("inbox") + "/tasks?" + url.Values{"notify": {"true"}}.Encode()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			req.Header.Set("X-Api-Key", key)
			req.Header.Set("X-Tenant", "Tenant "+"acme")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode/100 != 2 {
				b.Fatal(fmt.Errorf("status %d", resp.StatusCode))
			}
			var out benchTask
			err = json.NewDecoder(resp.Body).Decode(&out)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			check(b, out)
		}
	})

	b.Run("runtime", func(b *testing.B) {
		op := &Operation{
			ID: "CreateTask", Method: "POST", Path: "/lists/{list}/tasks",
			Params: []Param{
				{Name: "list", In: InPath, Required: true},
				{Name: "notify", In: InQuery},
				{Name: "body", In: InBody, Required: true},
			},
			Body: BodyJSON, ContentType: "application/json",
			Result: ResultJSON, Accept: "application/json",
		}
		c, err := NewClient(srv.URL+"/v1",
			WithHTTPClient(hc),
			WithAuth(APIKey(InHeader, "X-Api-Key", key)),
			WithConnectionParameters(map[string]any{"tenant": "acme"}),
			WithPolicies(&Policy{Template: PolicySetHeader, Name: "X-Tenant", Value: "Tenant @connectionParameters('tenant')"}),
		)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			// What a generated method does: typed arguments into Args,
			// the typed result out of Do.
			args := [3]Arg{String("inbox"), OptBool(Some(true)), JSON(task)}
			var out benchTask
			if _, err := c.Do(ctx, op, args[:], &out); err != nil {
				b.Fatal(err)
			}
			check(b, out)
		}
	})
}
