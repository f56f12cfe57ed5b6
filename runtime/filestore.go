package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	goruntime "runtime"
	"slices"
	"strconv"
)

// FileStore holds connection values read from a JSON file:
//
//	{"connections": {"my github": {"api_key": "…", "port": 8443, "tls": true}}}
//
// Values may be strings, numbers (kept as written) or booleans; null
// means "not given". The file must not be readable or writable by group or
// others (checked except on Windows). It is read once, by [OpenFileStore].
// Values never appear in errors.
type FileStore struct {
	path  string
	conns map[string]Values
}

// OpenFileStore reads and checks the credentials file at path.
func OpenFileStore(path string) (*FileStore, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if goruntime.GOOS != "windows" {
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("credentials file %s has mode %04o; run chmod 600 %s", path, perm, path)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Connections map[string]map[string]json.RawMessage `json:"connections"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonFileError(path, data, err)
	}
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("%s:%s: unexpected data after the top-level object", path, lineCol(data, int64(len(data)-len(rest))))
	}
	if doc.Connections == nil {
		return nil, fmt.Errorf("%s: no \"connections\" object", path)
	}
	s := &FileStore{path: path, conns: make(map[string]Values, len(doc.Connections))}
	for name, params := range doc.Connections {
		vals := make(Values, len(params))
		for p, raw := range params {
			v, ok, err := scalarText(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: connection %q, parameter %q: %v", path, name, p, err)
			}
			if ok {
				vals[p] = v
			}
		}
		s.conns[name] = vals
	}
	return s, nil
}

// Lookup returns a copy of the values of connection.
func (s *FileStore) Lookup(ctx context.Context, connection string) (Values, error) {
	vals, ok := s.conns[connection]
	if !ok {
		return nil, fmt.Errorf("%s: connection %q: %w", s.path, connection, ErrConnectionNotFound)
	}
	out := make(Values, len(vals))
	for k, v := range vals {
		out[k] = v
	}
	return out, nil
}

// Names returns the names of the file's connections, sorted.
func (s *FileStore) Names() []string {
	return slices.Sorted(maps.Keys(s.conns))
}

// scalarText returns the text of a JSON string, number or boolean; null
// is reported as absent.
func scalarText(raw json.RawMessage) (string, bool, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", false, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, errors.New("invalid string")
		}
		return s, true, nil
	case raw[0] == '{' || raw[0] == '[':
		return "", false, errors.New("value must be a string, number or boolean")
	}
	return string(raw), true, nil // number, true or false (validated by the decoder)
}

var quotedChar = regexp.MustCompile(`invalid character '(\\'|[^']*)' `)

// jsonFileError positions a decoding error as path:line:col, without
// quoting file content (which may be a secret).
func jsonFileError(path string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		msg := quotedChar.ReplaceAllString(se.Error(), "invalid character ")
		return fmt.Errorf("%s:%s: %s", path, lineCol(data, se.Offset-1), msg)
	case errors.As(err, &te):
		where := "the top level"
		if te.Field != "" {
			where = strconv.Quote(te.Field)
		}
		return fmt.Errorf("%s:%s: %s must be a JSON object, not %s", path, lineCol(data, te.Offset-1), where, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s:%s: unexpected end of file", path, lineCol(data, int64(len(data))))
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty file", path)
	}
	return fmt.Errorf("%s: %v", path, err)
}

// lineCol converts the byte offset of a position into "line:col"
// (1-based; col counts bytes).
func lineCol(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - int64(bytes.LastIndexByte(before, '\n'))
	return fmt.Sprintf("%d:%d", line, col)
}
