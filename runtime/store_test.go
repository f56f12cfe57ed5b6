package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
)

func TestEnvStore(t *testing.T) {
	t.Setenv("CONNECTORGEN_MY_GITHUB_API_KEY", "gh-secret")
	t.Setenv("CONNECTORGEN_MY_GITHUB_TOKEN_TENANTID", "tenant")
	t.Setenv("CONNECTORGEN_MY_GITHUB_EMPTY", "")
	t.Setenv("CONNECTORGEN_OTHER_API_KEY", "other")
	t.Setenv("ACME_SVC_HOST", "h.example")
	ctx := context.Background()

	var s EnvStore
	if got := s.VarName("my github", "token:TenantId"); got != "CONNECTORGEN_MY_GITHUB_TOKEN_TENANTID" {
		t.Errorf("VarName = %q", got)
	}
	if got := s.VarName("a--b  c", "x.y"); got != "CONNECTORGEN_A_B_C_X_Y" {
		t.Errorf("VarName = %q", got)
	}

	vals, err := s.Lookup(ctx, "my github")
	if err != nil {
		t.Fatal(err)
	}
	want := Values{"api_key": "gh-secret", "token_tenantid": "tenant", "empty": ""}
	if !reflect.DeepEqual(vals, want) {
		t.Errorf("Lookup = %v, want %v", vals, want)
	}
	if v, ok := vals.Get("token:TenantId"); !ok || v != "tenant" {
		t.Errorf("Get(token:TenantId) = %q, %v", v, ok)
	}
	if v, ok := vals.Get("API_KEY"); !ok || v != "gh-secret" {
		t.Errorf("Get(API_KEY) = %q, %v", v, ok)
	}
	if _, ok := vals.Get("password"); ok {
		t.Error("Get(password) found")
	}

	vals, err = LookupConnection(ctx, s, "My-GitHub", "api_key", "token:TenantId", "username")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Values{"api_key": "gh-secret", "token:TenantId": "tenant"}); !reflect.DeepEqual(vals, want) {
		t.Errorf("LookupParams = %v, want %v", vals, want)
	}

	if vals, err := (EnvStore{Prefix: "ACME"}).Lookup(ctx, "svc"); err != nil || vals["host"] != "h.example" {
		t.Errorf("prefixed Lookup = %v, %v", vals, err)
	}

	for _, f := range []func() error{
		func() error { _, err := s.Lookup(ctx, "nope"); return err },
		func() error { _, err := s.LookupParams(ctx, "nope", []string{"api_key"}); return err },
	} {
		err := f()
		if !errors.Is(err, ErrConnectionNotFound) || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("error = %v, want ErrConnectionNotFound naming the connection", err)
		}
	}
}

func writeFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "creds.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileStore(t *testing.T) {
	const good = `{
  "connections": {
    "my github": {"api_key": "gh-secret", "port": 8443, "ratio": 1.50, "tls": true, "unset": null},
    "empty": {}
  }
}`
	ctx := context.Background()
	p := writeFile(t, good, 0o600)
	s, err := OpenFileStore(p)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := s.Lookup(ctx, "my github")
	if err != nil {
		t.Fatal(err)
	}
	want := Values{"api_key": "gh-secret", "port": "8443", "ratio": "1.50", "tls": "true"}
	if !reflect.DeepEqual(vals, want) {
		t.Errorf("Lookup = %v, want %v", vals, want)
	}
	vals["api_key"] = "changed"
	if again, _ := s.Lookup(ctx, "my github"); again["api_key"] != "gh-secret" {
		t.Error("Lookup returned the store's own map")
	}
	if vals, err := LookupConnection(ctx, s, "empty", "x"); err != nil || len(vals) != 0 {
		t.Errorf("empty connection = %v, %v", vals, err)
	}
	_, err = s.Lookup(ctx, "missing")
	if !errors.Is(err, ErrConnectionNotFound) || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("error = %v", err)
	}
}

func TestFileStorePermissions(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("no permission check on Windows")
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		p := writeFile(t, `{"connections":{"c":{"k":"topsecret"}}}`, mode)
		_, err := OpenFileStore(p)
		if err == nil {
			t.Errorf("mode %04o accepted", mode)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, p) || !strings.Contains(msg, "chmod 600 "+p) || !strings.Contains(msg, "0"+octal(mode)) {
			t.Errorf("mode %04o: error %q should name the file, its mode and the fix", mode, msg)
		}
		if strings.Contains(msg, "topsecret") {
			t.Errorf("error reveals a value: %q", msg)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if _, err := OpenFileStore(writeFile(t, `{"connections":{}}`, mode)); err != nil {
			t.Errorf("mode %04o refused: %v", mode, err)
		}
	}
}

func octal(m os.FileMode) string {
	const digits = "01234567"
	p := m.Perm()
	return string([]byte{digits[p>>6&7], digits[p>>3&7], digits[p&7]})
}

func TestFileStoreErrors(t *testing.T) {
	tests := []struct {
		name, content string
		wantSub       []string
	}{
		{"syntax error position", "{\n  \"connections\": {\n    \"c\": {\"k\": sekrit}\n  }\n}", []string{":3:16: invalid character looking for beginning of value"}},
		{"trailing comma", "{\"connections\": {\"c\": {\"k\": \"v\",}}}", []string{":1:33:"}},
		{"wrong type", "{\"connections\": [\"sekrit\"]}", []string{":1:17:", `"connections" must be a JSON object, not array`}},
		{"object value", `{"connections": {"c": {"k": {"sekrit": 1}}}}`, []string{`connection "c", parameter "k": value must be a string, number or boolean`}},
		{"no connections", `{"other": 1}`, []string{`no "connections" object`}},
		{"empty file", ``, []string{"empty file"}},
		{"trailing data", `{"connections": {}} x`, []string{":1:21: unexpected data"}},
		{"unterminated", `{"connections": {"c": {"k": "sekrit`, []string{":1:36: unexpected end of file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.content, 0o600)
			_, err := OpenFileStore(p)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, p) {
				t.Errorf("error %q does not start with the file name", msg)
			}
			for _, sub := range tt.wantSub {
				if !strings.Contains(msg, sub) {
					t.Errorf("error %q does not contain %q", msg, sub)
				}
			}
			if strings.Contains(msg, "sekrit") || strings.Contains(msg, "'s'") {
				t.Errorf("error reveals file content: %q", msg)
			}
		})
	}
	if _, err := OpenFileStore(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	for off, want := range map[int64]string{0: "1:1", 1: "1:2", 3: "2:1", 5: "2:3", 6: "3:1", 7: "4:1", 99: "4:3"} {
		if got := lineCol(data, off); got != want {
			t.Errorf("lineCol(%d) = %s, want %s", off, got, want)
		}
	}
}
