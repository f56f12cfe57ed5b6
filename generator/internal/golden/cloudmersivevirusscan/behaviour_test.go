package cloudmersivevirusscan_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/cloudmersivevirusscan"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/cloudmersivevirusscan.
var connector = recorder.RepoPath(4, "testdata/connectors/Cloudmersive Virus Scan")

const apiKey = "cm-key-0123"

// conn holds the connection values for `connectorgen call`.
var conn = map[string]string{"api_key": apiKey}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func newClient(t *testing.T, srv *recorder.Server) *cloudmersivevirusscan.Client {
	t.Helper()
	c, err := cloudmersivevirusscan.New(cloudmersivevirusscan.Connection{APIKey: apiKey}, runtime.WithBaseURL(srv.URL))
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

// writeFile writes content to a file called name in a new directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*` + "\r\n\x00\xff"

const scanFileResp = `{"CleanResult":false,"FoundViruses":[{"FileName":"inputFile","VirusName":"EICAR-Test-File"}]}`

func checkScanFileRequest(t *testing.T, req recorder.Request, fileName string) {
	t.Helper()
	if req.Method != http.MethodPost || req.Path != "/virus/scan/file" || req.Query != "" {
		t.Errorf("request line %s %s?%s, want POST /virus/scan/file", req.Method, req.Path, req.Query)
	}
	if got := req.Header.Values("Apikey"); len(got) != 1 || got[0] != apiKey {
		t.Errorf("Apikey header %q, want [%q]", got, apiKey)
	}
	if got := req.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization %q, want none", got)
	}
	want := []recorder.Part{{Name: "inputFile", FileName: fileName, ContentType: "application/octet-stream", Body: eicar}}
	if got := req.Parts(t); !reflect.DeepEqual(got, want) {
		t.Errorf("parts %v, want %v", got, want)
	}
}

func TestScanFile(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: scanFileResp})
	res, err := newClient(t, srv).ScanFile(context.Background(), strings.NewReader(eicar))
	if err != nil {
		t.Fatal(err)
	}
	want := &cloudmersivevirusscan.VirusScanResult{
		CleanResult: runtime.Some(false), // set, although false
		FoundViruses: []cloudmersivevirusscan.VirusFound{
			{FileName: runtime.Some("inputFile"), VirusName: runtime.Some("EICAR-Test-File")},
		},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	req := srv.Only(t)
	// The generated client has no file name to send: the part is named
	// after the parameter (connector-protocol §2.12).
	checkScanFileRequest(t, req, "inputFile")

	// `call` reads the part from a file; one called like the parameter
	// gives the very same request.
	path := writeFile(t, "inputFile", eicar)
	recorder.SameMultipart(t, req, call(t, srv, scanFileResp, 200, "--param", "inputFile=@"+path, "Scan_File"))
}

// TestScanFileName: a file part's filename is the base name of the reader's
// Name() when it has one (an *os.File, or runtime.Named), for the generated
// client and for `call` alike.
func TestScanFileName(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: scanFileResp})
	path := writeFile(t, "suspicious.exe", eicar)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := newClient(t, srv).ScanFile(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	req := srv.Only(t)
	checkScanFileRequest(t, req, "suspicious.exe")
	recorder.SameMultipart(t, req, call(t, srv, scanFileResp, 200, "--param", "inputFile=@"+path, "Scan_File"))

	if _, err := newClient(t, srv).ScanFile(context.Background(), runtime.Named(strings.NewReader(eicar), "report.pdf")); err != nil {
		t.Fatal(err)
	}
	checkScanFileRequest(t, srv.Only(t), "report.pdf")
}

func TestScanWebsite(t *testing.T) {
	const resp = `{"CleanResult":false,"WebsiteThreatType":"Phishing"}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).ScanWebsite(context.Background(), cloudmersivevirusscan.WebsiteScanRequest{
		URL: runtime.Some("https://example.com/login?next=/a b&x=<1>"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &cloudmersivevirusscan.WebsiteScanResult{
		CleanResult:       runtime.Some(false),
		WebsiteThreatType: runtime.Some(cloudmersivevirusscan.WebsiteScanResultWebsiteThreatTypePhishing),
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}

	req := srv.Only(t)
	// encoding/json escapes &, < and > in strings.
	const body = `{"Url":"https://example.com/login?next=/a b\u0026x=\u003c1\u003e"}`
	if req.Method != http.MethodPost || req.Path != "/virus/scan/website" || req.Query != "" {
		t.Errorf("request line %s %s?%s, want POST /virus/scan/website", req.Method, req.Path, req.Query)
	}
	if got := req.Header.Values("Apikey"); len(got) != 1 || got[0] != apiKey {
		t.Errorf("Apikey header %q, want [%q]", got, apiKey)
	}
	if got := req.Header.Values("Content-Type"); len(got) != 1 || got[0] != "application/json" {
		t.Errorf("Content-Type %q, want [application/json]", got)
	}
	if string(req.Body) != body {
		t.Errorf("body %s, want %s", req.Body, body)
	}
	recorder.Same(t, req, call(t, srv, resp, 200, "--body", body, "Scan_Website"))
}

func TestScanWebsiteUnsetFields(t *testing.T) {
	// A null and a missing field both decode as unset.
	const resp = `{"CleanResult":null}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).ScanWebsite(context.Background(), cloudmersivevirusscan.WebsiteScanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.CleanResult.Set || res.WebsiteThreatType.Set {
		t.Errorf("result %+v, want both fields unset", res)
	}
	req := srv.Only(t)
	// An unset optional field is left out of the body.
	if string(req.Body) != `{}` {
		t.Errorf("body %s, want {}", req.Body)
	}
	recorder.Same(t, req, call(t, srv, resp, 200, "--body", `{}`, "Scan_Website"))
}

func TestScanWebsiteError(t *testing.T) {
	const resp = `{"Message":"Url is not a valid absolute URL"}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusBadRequest, Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).ScanWebsite(context.Background(), cloudmersivevirusscan.WebsiteScanRequest{URL: runtime.Some("nope")})
	if res != nil {
		t.Errorf("result %+v, want nil", res)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "Scan_Website" || apiErr.StatusCode != 400 || apiErr.Status != "400 Bad Request" || string(apiErr.Body) != resp {
		t.Errorf("error %+v, want Scan_Website 400 Bad Request with body %s", apiErr, resp)
	}
	req := srv.Only(t)
	if string(req.Body) != `{"Url":"nope"}` {
		t.Errorf("body %s", req.Body)
	}
	recorder.Same(t, req, call(t, srv, resp, 400, "--body", `{"Url":"nope"}`, "Scan_Website"))
}
