package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestOptJSON(t *testing.T) {
	type model struct {
		A Opt[int]      `json:"a,omitzero"`
		B Opt[string]   `json:"b,omitzero"`
		C Opt[DateTime] `json:"c,omitzero"`
		D Opt[bool]     `json:"d"`
	}
	tests := []struct {
		in   model
		want string
	}{
		{model{}, `{"d":null}`},
		{model{A: Some(0), B: Some(""), D: Some(false)}, `{"a":0,"b":"","d":false}`},
		{model{A: Some(5), C: Some(DateTime("2024-01-02T03:04:05Z"))}, `{"a":5,"c":"2024-01-02T03:04:05Z","d":null}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tt.in, b, err, tt.want)
			continue
		}
		var back model
		if err := json.Unmarshal(b, &back); err != nil || back != tt.in {
			t.Errorf("round trip of %s = %+v, %v; want %+v", b, back, err, tt.in)
		}
	}

	m := model{A: Some(3), B: Some("x")}
	if err := json.Unmarshal([]byte(`{"a":null}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.A.Set || !m.B.Set {
		t.Errorf("after null: %+v; want A unset, B untouched", m)
	}
	if err := json.Unmarshal([]byte(`{"a":"x"}`), &m); err == nil {
		t.Error("no error decoding a string into Opt[int]")
	}
}

func TestOptAccessors(t *testing.T) {
	var o Opt[int]
	if v, ok := o.Get(); v != 0 || ok || o.Or(9) != 9 || !o.IsZero() {
		t.Errorf("zero Opt: %v %v %v %v", v, ok, o.Or(9), o.IsZero())
	}
	o = Some(0)
	if v, ok := o.Get(); v != 0 || !ok || o.Or(9) != 0 || o.IsZero() {
		t.Errorf("Some(0): %v %v %v %v", v, ok, o.Or(9), o.IsZero())
	}
}

func TestDateTime(t *testing.T) {
	var v struct {
		T  DateTime      `json:"t"`
		D  Date          `json:"d"`
		N  DateTime      `json:"n"`
		Z  DateTime      `json:"z"`
		OT Opt[DateTime] `json:"ot,omitzero"`
	}
	if err := json.Unmarshal([]byte(`{"t":"not a date","d":"31/12/2024","n":1700000000,"z":null,"ot":"also bad"}`), &v); err != nil {
		t.Fatalf("decoding must not fail on odd dates: %v", err)
	}
	if v.T != "not a date" || v.D != "31/12/2024" || v.N != "1700000000" || v.Z != "" || v.OT.V != "also bad" {
		t.Errorf("decoded %+v", v)
	}
	if _, err := v.T.Time(); err == nil {
		t.Error("Time() of \"not a date\": no error")
	}
	if err := json.Unmarshal([]byte(`{"t":{"x":1}}`), &v); err == nil {
		t.Error("object decoded into DateTime without error")
	}

	utc := time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-03-05T07:08:09Z":            utc,
		"2024-03-05T07:08:09.5Z":          utc.Add(500 * time.Millisecond),
		"2024-03-05T08:08:09+01:00":       utc,
		"2024-03-05T08:08:09.123+0100":    utc.Add(123 * time.Millisecond),
		"2024-03-05T07:08:09":             utc,
		"2024-03-05T07:08:09.1234567":     utc.Add(123456700),
		"2024-03-05 07:08:09":             utc,
		"2024-03-05 07:08:09Z":            utc,
		"Tue, 05 Mar 2024 07:08:09 GMT":   utc,
		"Tue, 05 Mar 2024 08:08:09 +0100": utc,
		"2024-03-05":                      time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC),
		"/Date(1709622489000)/":           utc,
		"/Date(1709622489000+0100)/":      utc,
		"1709622489":                      utc,
		"1709622489000":                   utc,
		" 2024-03-05T07:08:09Z ":          utc,
	} {
		got, err := DateTime(in).Time()
		if err != nil || !got.Equal(want) {
			t.Errorf("DateTime(%q).Time() = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := DateTime("").Time(); err == nil {
		t.Error("empty DateTime parsed")
	}

	nano := time.Date(2024, 3, 5, 7, 8, 9, 120000000, time.FixedZone("", 3600))
	if got := NewDateTime(nano); got != "2024-03-05T07:08:09.12+01:00" {
		t.Errorf("NewDateTime = %q", got)
	}
	if got := NewDateTime(utc); got != "2024-03-05T07:08:09Z" {
		t.Errorf("NewDateTime = %q", got)
	}
	if got := NewDate(nano); got != "2024-03-05" {
		t.Errorf("NewDate = %q", got)
	}
	for in, want := range map[Date]time.Time{
		"2024-03-05":           time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC),
		"2024-03-05T07:08:09Z": utc,
	} {
		if got, err := in.Time(); err != nil || !got.Equal(want) {
			t.Errorf("Date(%q).Time() = %v, %v", in, got, err)
		}
	}
	if _, err := Date("31/12/2024").Time(); err == nil {
		t.Error("bad Date parsed")
	}
}

func TestSecretRedacted(t *testing.T) {
	const value = "hunter2-very-secret"
	s := Secret(value)
	type holder struct {
		Key Secret
		Ptr *Secret
	}
	h := holder{Key: s, Ptr: &s}
	outputs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v|%s|%q|%#v|%x|%+v|%10s", s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", h, h, h), s.String(), s.GoString(),
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "s", s, "h", slog.GroupValue(slog.Any("k", s)))
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "s", s)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		if strings.Contains(out, value) {
			t.Errorf("secret printed: %s", out)
		}
		if !strings.Contains(out, "[REDACTED]") {
			t.Errorf("no [REDACTED] in %s", out)
		}
	}
	if s.Reveal() != value {
		t.Error("Reveal")
	}
	if b, _ := json.Marshal(s); string(b) != `"`+value+`"` {
		t.Errorf("JSON = %s; JSON must not be redacted", b)
	}
}

func TestInString(t *testing.T) {
	for in, want := range map[In]string{InPath: "path", InQuery: "query", InHeader: "header", InBody: "body", InFormData: "formData", 0: "In(0)"} {
		if got := in.String(); got != want {
			t.Errorf("%d.String() = %q", in, got)
		}
	}
}
