package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Dynamic metadata (x-ms-dynamic-values, x-ms-dynamic-list,
// x-ms-dynamic-schema, x-ms-dynamic-properties; connector-protocol.md
// §2.9). On the platform the designer calls another operation of the
// connector, through the same connection, to offer values for a parameter
// or to learn the shape of a body. Generated helpers make the same call
// through [Client.Do]; these functions read its response.

// Choice is one value offered for a parameter: the value to send and its
// display title.
type Choice[T any] struct {
	Value T
	Title string
}

// ValueList says where the response of a dynamic-values operation keeps
// its values. Paths are '/'-separated property names (array indexes are
// allowed), as in the connector definition. For generated code.
type ValueList struct {
	// Collection is the path of the array of items from the response root
	// (value-collection, itemsPath); "" means the response is the array.
	Collection string
	// Value is the path of the value in each item (value-path,
	// itemValuePath); "" means the item itself.
	Value string
	// Title is the path of the title in each item (value-title,
	// itemTitlePath); "" means the value's text.
	Title string
}

// DynamicValues calls op with args and returns the value/title pairs of
// its response as l describes them. Items without a value (the path is
// absent or null) are skipped, as the designer offers nothing for them. A
// value that does not decode into T is tried once more loosely (a number
// or boolean into a string type, a string holding a number into a number
// type) and is otherwise a [*DecodeError]. A title that is not a string is
// its JSON text. For generated code.
func DynamicValues[T any](ctx context.Context, c *Client, op *Operation, args []Arg, l ValueList) ([]Choice[T], error) {
	b, decodeErr, err := fetchJSON(ctx, c, op, args)
	if err != nil || b == nil {
		return nil, err
	}
	arr, found, err := lookupPath(b, l.Collection)
	if err != nil {
		return nil, decodeErr(err)
	}
	if !found || jsonKind(arr) == 'n' {
		return nil, nil
	}
	if jsonKind(arr) != '[' {
		return nil, decodeErr(fmt.Errorf("collection %q is not an array", l.Collection))
	}
	items, err := arrayItems(arr)
	if err != nil {
		return nil, decodeErr(err)
	}
	out := make([]Choice[T], 0, len(items))
	for i, item := range items {
		raw, found, err := lookupPath(item, l.Value)
		if err != nil {
			return nil, decodeErr(fmt.Errorf("item %d: %w", i, err))
		}
		if !found || jsonKind(raw) == 'n' {
			continue
		}
		v, err := decodeLoose[T](raw)
		if err != nil {
			return nil, decodeErr(fmt.Errorf("item %d: value %q: %w", i, l.Value, err))
		}
		title := jsonText(raw)
		if l.Title != "" {
			t, found, err := lookupPath(item, l.Title)
			if err != nil {
				return nil, decodeErr(fmt.Errorf("item %d: %w", i, err))
			}
			title = ""
			if found {
				title = jsonText(t)
			}
		}
		out = append(out, Choice[T]{Value: v, Title: title})
	}
	return out, nil
}

// DynamicSchema calls op with args and returns the JSON schema its
// response holds at path ('/'-separated; "" = the whole body). The path
// must exist in the response (a [*DecodeError] otherwise); a null there,
// or an empty body, means "no schema" and gives nil. For generated code.
func DynamicSchema(ctx context.Context, c *Client, op *Operation, args []Arg, path string) (json.RawMessage, error) {
	b, decodeErr, err := fetchJSON(ctx, c, op, args)
	if err != nil || b == nil {
		return nil, err // no body: no schema
	}
	v, found, err := lookupPath(b, path)
	switch {
	case err != nil:
		return nil, decodeErr(err)
	case !found:
		return nil, decodeErr(fmt.Errorf("no schema at %q", path))
	case jsonKind(v) == 'n':
		return nil, nil
	}
	return bytes.Clone(v), nil
}

// decodeLoose decodes raw into a T, accepting a number or boolean for a
// string type and a string holding a JSON number or boolean for other
// types: designers treat values as text.
func decodeLoose[T any](raw json.RawMessage) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	if err == nil {
		return v, nil
	}
	switch jsonKind(raw) {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" && jsonKind([]byte(s)) != '"' {
			var w T
			if json.Unmarshal([]byte(s), &w) == nil {
				return w, nil
			}
		}
	case '{', '[':
	default:
		q, _ := json.Marshal(string(bytes.TrimSpace(raw)))
		var w T
		if json.Unmarshal(q, &w) == nil {
			return w, nil
		}
	}
	return v, err
}

// jsonText is the text of a JSON value: a string's contents, null as "",
// anything else as its compact JSON.
func jsonText(raw json.RawMessage) string {
	switch jsonKind(raw) {
	case 'n', 0:
		return ""
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return strings.TrimSpace(string(raw))
}

// fetchJSON calls op and returns its JSON response body (nil when empty)
// and how to wrap a problem with it as a [*DecodeError]. A body that is
// not JSON is such an error.
func fetchJSON(ctx context.Context, c *Client, op *Operation, args []Arg) ([]byte, func(error) error, error) {
	var b []byte
	resp, err := c.Do(ctx, op, args, &b)
	if err != nil {
		return nil, nil, err
	}
	decodeErr := func(err error) error {
		return &DecodeError{OperationID: op.ID, StatusCode: resp.StatusCode, Body: bounded(b), Err: err}
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, decodeErr, nil
	}
	if !json.Valid(b) {
		return nil, nil, decodeErr(fmt.Errorf("response is not valid JSON"))
	}
	return b, decodeErr, nil
}
