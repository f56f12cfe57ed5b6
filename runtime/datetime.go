package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DateTime is a date-time value (Swagger format date-time) kept as the
// server's text, so decoding a response never fails on a value that does
// not match the declared format; [DateTime.Time] parses it on demand. A
// JSON number or null decodes too (as its text, or as "").
type DateTime string

// NewDateTime formats t as RFC 3339 with trailing zero fractional seconds
// trimmed (time.RFC3339Nano).
func NewDateTime(t time.Time) DateTime { return DateTime(t.Format(time.RFC3339Nano)) }

// dateTimeLayouts are tried in order by DateTime.Time. Layouts without a
// zone yield UTC.
var dateTimeLayouts = []string{
	time.RFC3339Nano, // also matches without fractional seconds
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	time.RFC1123,
	time.RFC1123Z,
	time.RFC850,
	time.ANSIC,
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2006-01-02",
}

// Time parses the value. It accepts RFC 3339 with or without fractional
// seconds (also with "+0000" zones, a space instead of "T", or no zone,
// which means UTC), RFC 1123/850 and ANSI C dates, a bare date, the .NET
// JSON form "/Date(1700000000000)/", and an integer of Unix seconds (or
// milliseconds when it has more than 11 digits).
func (d DateTime) Time() (time.Time, error) {
	s := strings.TrimSpace(string(d))
	if s == "" {
		return time.Time{}, errors.New("runtime: empty date-time")
	}
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if t, ok := parseDotNetDate(s); ok {
		return t, nil
	}
	if t, ok := parseUnix(s); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("runtime: cannot parse %q as a date-time", s)
}

// UnmarshalJSON accepts a JSON string (kept verbatim), a number (kept as
// its text) and null (""); it fails only on objects and arrays.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	s, err := lenientText(b, "date-time")
	*d = DateTime(s)
	return err
}

// Date is a calendar date (Swagger format date) kept as the server's text;
// [Date.Time] parses it on demand. It decodes from JSON like [DateTime].
type Date string

// NewDate formats t as 2006-01-02.
func NewDate(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Time parses the value as 2006-01-02 (midnight UTC); values written as a
// date-time are accepted too (see [DateTime.Time]).
func (d Date) Time() (time.Time, error) {
	s := strings.TrimSpace(string(d))
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := DateTime(s).Time()
	if err != nil {
		return time.Time{}, fmt.Errorf("runtime: cannot parse %q as a date", s)
	}
	return t, nil
}

// UnmarshalJSON accepts a JSON string (kept verbatim), a number (kept as
// its text) and null (""); it fails only on objects and arrays.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := lenientText(b, "date")
	*d = Date(s)
	return err
}

func lenientText(b []byte, what string) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return "", nil
	case b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	case b[0] == '{' || b[0] == '[':
		kind := "object"
		if b[0] == '[' {
			kind = "array"
		}
		return "", fmt.Errorf("runtime: cannot decode a JSON %s into a %s", kind, what)
	}
	return string(b), nil // number or boolean: keep the text
}

// parseDotNetDate parses "/Date(ms)/" and "/Date(ms+hhmm)/".
func parseDotNetDate(s string) (time.Time, bool) {
	in, ok := strings.CutPrefix(s, "/Date(")
	if !ok {
		return time.Time{}, false
	}
	in, ok = strings.CutSuffix(in, ")/")
	if !ok {
		return time.Time{}, false
	}
	zone := ""
	if i := strings.LastIndexAny(in, "+-"); i > 0 {
		in, zone = in[:i], in[i:]
	}
	ms, err := strconv.ParseInt(in, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	t := time.UnixMilli(ms).UTC()
	if zone != "" {
		z, err := time.Parse("-0700", zone)
		if err != nil {
			return time.Time{}, false
		}
		t = t.In(z.Location())
	}
	return t, true
}

func parseUnix(s string) (time.Time, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	digits := len(strings.TrimPrefix(s, "-"))
	if digits > 11 {
		return time.UnixMilli(n).UTC(), true
	}
	return time.Unix(n, 0).UTC(), true
}
