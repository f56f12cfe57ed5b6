package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/runtime"
)

// Call is one action request being decoded by generated code. Decoding
// problems are collected; Err reports them as a 400 [*Error].
type Call struct {
	// HTTP is the request (its body already read).
	HTTP   *http.Request
	body   []byte
	path   map[string]string // escaped values
	double map[string]bool
	form   url.Values
	errs   []error
}

// Err returns the decoding problems as an [*Error] with status 400, or nil.
func (c *Call) Err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Body: "fake: " + errors.Join(c.errs...).Error()}
}

// Body returns the raw request body.
func (c *Call) Body() []byte { return c.body }

// texts returns the values of parameter name in in ("path", "query",
// "header", "formData") split per collection ("csv", "ssv", "tsv",
// "pipes", "multi"); ok is false when absent.
func (c *Call) texts(in, name, collection string, list bool) ([]string, bool) {
	var vals []string
	switch in {
	case "path":
		v, ok := c.path[name]
		if !ok {
			return nil, false
		}
		s, err := url.PathUnescape(v)
		if err == nil && c.double[name] {
			s, err = url.PathUnescape(s)
		}
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("path parameter %q: %w", name, err))
			return nil, false
		}
		vals = []string{s}
	case "query":
		vs, ok := c.HTTP.URL.Query()[name]
		if !ok {
			return nil, false
		}
		vals = vs
	case "header":
		vs := c.HTTP.Header.Values(name)
		if len(vs) == 0 {
			return nil, false
		}
		vals = vs
	case "formData":
		f := c.formValues()
		vs, ok := f[name]
		if !ok {
			return nil, false
		}
		vals = vs
	}
	if !list || collection == "multi" {
		return vals, true
	}
	sep := ","
	switch collection {
	case "ssv":
		sep = " "
	case "tsv":
		sep = "\t"
	case "pipes":
		sep = "|"
	}
	if len(vals) == 0 || vals[0] == "" {
		return []string{}, true
	}
	return strings.Split(vals[0], sep), true
}

func (c *Call) formValues() url.Values {
	if c.form != nil {
		return c.form
	}
	c.form = url.Values{}
	ct := c.HTTP.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		r := c.HTTP.Clone(c.HTTP.Context())
		r.Body = io.NopCloser(bytes.NewReader(c.body))
		err := r.ParseMultipartForm(32 << 20)
		if r.MultipartForm != nil {
			c.form = r.MultipartForm.Value
			r.MultipartForm.RemoveAll() // temporary files of large parts
		}
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("multipart form: %w", err))
		}
	default:
		vs, err := url.ParseQuery(string(c.body))
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("form: %w", err))
		}
		c.form = vs
	}
	return c.form
}

// decodeText parses one text value into dst: as a JSON string for string
// kinds (string, enums, runtime.DateTime), else as a JSON literal
// (numbers, booleans).
func decodeText(s string, dst any) error {
	if err := json.Unmarshal([]byte(strconv.Quote(s)), dst); err == nil {
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}

// Param decodes parameter name (in "path", "query", "header" or
// "formData") into dst; absent leaves dst unchanged.
func Param[T any](c *Call, dst *T, in, name string) {
	texts, ok := c.texts(in, name, "", false)
	if !ok || len(texts) == 0 {
		return
	}
	if err := decodeText(texts[0], dst); err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s parameter %q: %w", in, name, err))
	}
}

// OptParam is Param for an optional scalar: dst is set only when present.
func OptParam[T any](c *Call, dst *runtime.Opt[T], in, name string) {
	texts, ok := c.texts(in, name, "", false)
	if !ok || len(texts) == 0 {
		return
	}
	var v T
	if err := decodeText(texts[0], &v); err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s parameter %q: %w", in, name, err))
		return
	}
	*dst = runtime.Some(v)
}

// ListParam decodes an array parameter in collection format collection
// ("" is csv); absent leaves dst nil.
func ListParam[T any](c *Call, dst *[]T, in, name, collection string) {
	texts, ok := c.texts(in, name, collection, true)
	if !ok {
		return
	}
	out := make([]T, len(texts))
	for i, s := range texts {
		if err := decodeText(s, &out[i]); err != nil {
			c.errs = append(c.errs, fmt.Errorf("%s parameter %q: %w", in, name, err))
			return
		}
	}
	*dst = out
}

// JSONBody decodes the JSON request body into dst; an empty body leaves
// dst unchanged.
func JSONBody[T any](c *Call, dst *T) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return
	}
	if err := json.Unmarshal(c.body, dst); err != nil {
		c.errs = append(c.errs, fmt.Errorf("request body: %w", err))
	}
}

// RawBody returns the request body as a reader (nil when empty).
func (c *Call) RawBody() io.Reader {
	if len(c.body) == 0 {
		return nil
	}
	return bytes.NewReader(c.body)
}

// File returns the multipart file part name (nil when absent).
func (c *Call) File(name string) io.Reader {
	r := c.HTTP.Clone(c.HTTP.Context())
	r.Body = io.NopCloser(bytes.NewReader(c.body))
	if err := r.ParseMultipartForm(32 << 20); err != nil || r.MultipartForm == nil {
		return nil // reported by formValues
	}
	defer r.MultipartForm.RemoveAll()
	fhs := r.MultipartForm.File[name]
	if len(fhs) == 0 {
		return nil
	}
	f, err := fhs[0].Open()
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("file %q: %w", name, err))
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return bytes.NewReader(b)
}

// QueueOf adds typed events to polling trigger op's queue.
func QueueOf[T any](s *Server, op string, events ...T) {
	anys := make([]any, len(events))
	for i, ev := range events {
		anys[i] = ev
	}
	s.Queue(op, anys...)
}
