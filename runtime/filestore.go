package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"slices"
	"strconv"
	"sync"
)

// FileStore holds connection values read from a JSON file:
//
//	{"connections": {"my github": {"api_key": "…", "port": 8443, "tls": true}}}
//
// Values may be strings, numbers (kept as written) or booleans; null
// means "not given". The file must not be readable or writable by group or
// others (checked except on Windows). It is read once, by [OpenFileStore].
// Values never appear in errors.
//
// [FileStore.Update] writes the file (see [StoreWriter]); the file is then
// rewritten as indented JSON with keys sorted.
type FileStore struct {
	path string

	mu    sync.RWMutex // guards conns; serialises Update
	conns map[string]Values
}

// fileDoc is the file's content: the top level is kept as raw members so
// that Update preserves keys it does not know.
type fileDoc struct {
	top   map[string]json.RawMessage
	conns map[string]map[string]json.RawMessage
}

// OpenFileStore reads and checks the credentials file at path.
func OpenFileStore(path string) (*FileStore, error) {
	doc, err := readFileDoc(path)
	if err != nil {
		return nil, err
	}
	s := &FileStore{path: path}
	if err := s.load(doc); err != nil {
		return nil, err
	}
	return s, nil
}

// CreateFileStore opens the credentials file at path like [OpenFileStore],
// first creating it (mode 0600, holding no connections) and its directory
// (mode 0700) when it does not exist.
func CreateFileStore(path string) (*FileStore, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		_, err = f.WriteString("{\"connections\": {}}\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return OpenFileStore(path)
}

func readFileDoc(path string) (*fileDoc, error) {
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
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&top); err != nil {
		return nil, jsonFileError(path, data, err)
	}
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("%s:%s: unexpected data after the top-level object", path, lineCol(data, int64(len(data)-len(rest))))
	}
	raw, ok := top["connections"]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, fmt.Errorf("%s: no \"connections\" object", path)
	}
	doc := &fileDoc{top: top}
	if err := json.Unmarshal(raw, &doc.conns); err != nil {
		// Position the error in the whole file.
		var wrapped struct {
			Connections map[string]map[string]json.RawMessage `json:"connections"`
		}
		if err := json.Unmarshal(data, &wrapped); err != nil {
			return nil, jsonFileError(path, data, err)
		}
		return nil, fmt.Errorf("%s: \"connections\" must map names to objects", path)
	}
	if doc.conns == nil {
		doc.conns = map[string]map[string]json.RawMessage{}
	}
	return doc, nil
}

// load replaces the in-memory connections by the document's.
func (s *FileStore) load(doc *fileDoc) error {
	conns := make(map[string]Values, len(doc.conns))
	for name, params := range doc.conns {
		vals := make(Values, len(params))
		for p, raw := range params {
			v, ok, err := scalarText(raw)
			if err != nil {
				return fmt.Errorf("%s: connection %q, parameter %q: %v", s.path, name, p, err)
			}
			if ok {
				vals[p] = v
			}
		}
		conns[name] = vals
	}
	s.conns = conns
	return nil
}

// Update sets parameters of connection and rewrites the file (see
// [StoreWriter]). It reads the file again first, so values written by
// another process in the meantime are kept, and replaces it atomically
// (a temporary file in the same directory, renamed). Values never appear
// in errors.
func (s *FileStore) Update(ctx context.Context, connection string, vals Values) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, err := readFileDoc(s.path)
	if err != nil {
		return err
	}
	params := doc.conns[connection]
	if params == nil {
		params = map[string]json.RawMessage{}
		doc.conns[connection] = params
	}
	for k, v := range vals {
		if v == "" {
			delete(params, k)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: connection %q, parameter %q: %v", s.path, connection, k, err)
		}
		params[k] = b
	}
	conns, err := json.Marshal(doc.conns)
	if err != nil {
		return err
	}
	doc.top["connections"] = conns
	out, err := json.MarshalIndent(doc.top, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, append(out, '\n')); err != nil {
		return err
	}
	return s.load(doc)
}

// writeFileAtomic replaces path by data through a temporary file (mode
// 0600) in the same directory.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // after a successful rename there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil && goruntime.GOOS != "windows" {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}

// Lookup returns a copy of the values of connection.
func (s *FileStore) Lookup(ctx context.Context, connection string) (Values, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
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
	s.mu.RLock()
	defer s.mu.RUnlock()
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
