package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/connectorgen/connectorgen/runtime"
)

func TestFileStoreUpdate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "connections.json")
	s, err := runtime.CreateFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("created file: %v %v", fi, err)
	}
	if err := s.Update(ctx, "a", runtime.Values{"token": "t1", "token.expiry": "2030-01-01T00:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	// Another process adds a connection and a top-level key meanwhile.
	data, _ := os.ReadFile(path)
	data = []byte(strings.Replace(string(data), `"connections": {`, `"comment": "mine", "connections": {"b": {"port": 8443, "tls": true},`, 1))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// Concurrent updates of one store are serialised.
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if err := s.Update(ctx, "a", runtime.Values{"k" + string(rune('0'+i)): "v"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := s.Update(ctx, "a", runtime.Values{"token.expiry": ""}); err != nil { // "" removes
		t.Fatal(err)
	}
	again, err := runtime.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := again.Lookup(ctx, "a")
	if a["token"] != "t1" || len(a) != 11 {
		t.Errorf("a = %v", a)
	}
	if _, ok := a["token.expiry"]; ok {
		t.Error("empty value not removed")
	}
	b, _ := again.Lookup(ctx, "b")
	if b["port"] != "8443" || b["tls"] != "true" {
		t.Errorf("b = %v", b)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"comment": "mine"`) || !strings.Contains(string(raw), `"port": 8443`) {
		t.Errorf("unknown keys or number values not kept:\n%s", raw)
	}
	if got, _ := s.Lookup(ctx, "b"); got["port"] != "8443" {
		t.Error("the store did not reload after Update")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after update %v", fi.Mode().Perm())
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
	// A file others can read is refused for writing too.
	os.Chmod(path, 0o644)
	if err := s.Update(ctx, "a", runtime.Values{"x": "y"}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("update of a readable file: %v", err)
	}
}

func TestValuesParameterSetAndDefaults(t *testing.T) {
	v := runtime.Values{"connectionParameterSet": "KeyBasedAuth", "host": ""}
	if s, err := v.ParameterSet("c", "keyBasedAuth", "tokenBasedAuth"); err != nil || s != "keyBasedAuth" {
		t.Errorf("set = %q, %v", s, err)
	}
	if _, err := (runtime.Values{}).ParameterSet("c", "a", "b"); err == nil || !strings.Contains(err.Error(), "connectionParameterSet to one of a, b") {
		t.Errorf("no set: %v", err)
	}
	if s, err := (runtime.Values{}).ParameterSet("c", "only"); err != nil || s != "only" {
		t.Errorf("single set = %q, %v", s, err)
	}
	d := v.WithDefaults(map[string]string{"host": "api.example.com", "connectionParameterSet": "x"})
	if d["host"] != "api.example.com" || d["connectionParameterSet"] != "KeyBasedAuth" || v["host"] != "" {
		t.Errorf("defaults: %v (original %v)", d, v)
	}
}
