package expr

import (
	"net/url"
	"strings"
	"testing"
)

const fuzzSecret = "Zq9-SECRET-xV"

// fuzzEnv has a secret in every value, so FuzzParse can check that error
// messages never contain one.
var fuzzEnv = MapEnv{
	ConnectionParameters: map[string]string{"a": fuzzSecret, "token:b": fuzzSecret, "": fuzzSecret},
	Headers:              map[string]string{"h": fuzzSecret},
	QueryParameters:      map[string]string{"q": fuzzSecret},
	BodyValue: map[string]any{
		"s": fuzzSecret, "n": 1.5, "b": true, "z": nil,
		"a": []any{fuzzSecret, map[string]any{"x": fuzzSecret}, []any{}},
		"o": map[string]any{"@odata.id": fuzzSecret, "o": map[string]any{}},
	},
	ItemValue:        []any{fuzzSecret},
	TriggerBodyValue: map[string]any{"value": []any{map[string]any{"id": fuzzSecret}}},
	HTTPMethod:       fuzzSecret,
	PathParameters:   map[string]string{"id": fuzzSecret},
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`@headers('test')moo`, `moo@headers('test')`, `@connectionParameters('name','')`,
		`https://@header('test').abc.xyz:@header('port')`, `/@queryParameters('version')/get/{id}`,
		`@body()['@odata.etag']`, `@body().a[0].b`, `@item()?['id']?.x`, `@{triggerBody().value[0].id}`,
		`[{@body().a}]`, `{@body().o['@odata.id']}`, `body().s`, `@queryParamters('q')`,
		`@Request.OriginalHTTPMethod`, `a@b.com`, `@odata.nextLink`, `@`, `@@id@@`, `{"x": {@body().n} }`,
		`@connectionParameters('it''s', 'd')`, `@foo()`, `@{`, `{@`, `@body()[`, `item(s)`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, _, err := Parse(s)
		_, _ = ParsePath(s)
		if err != nil {
			if tpl != nil {
				t.Fatalf("Parse(%q) returned a template and an error", s)
			}
			return
		}
		checkParts(t, tpl)
		for _, r := range tpl.Refs() {
			_ = r.String()
			_, _ = r.Eval(fuzzEnv)
		}
		_ = tpl.IsLiteral()
		_, _ = tpl.SingleRef()
		leaks := !strings.Contains(s, fuzzSecret)
		for _, eval := range []func() error{
			func() error { _, err := tpl.Eval(fuzzEnv); return err },
			func() error { _, err := tpl.EvalValue(fuzzEnv); return err },
			func() error { _, err := tpl.EvalEscaped(fuzzEnv, url.PathEscape); return err },
			func() error { _, err := tpl.Eval(nil); return err },
		} {
			if err := eval(); err != nil && leaks && strings.Contains(err.Error(), fuzzSecret) {
				t.Fatalf("Eval(%q) error leaks a value: %v", s, err)
			}
		}
		if tpl.IsLiteral() {
			if got, err := tpl.Eval(nil); err != nil || got != s {
				t.Fatalf("literal %q evaluates to %q, %v", s, got, err)
			}
		}
	})
}
