package runtime

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxErrorBody is the most response-body bytes kept in an [Error] or a
// [DecodeError].
const MaxErrorBody = 64 << 10

// errorSnippet is how many body bytes Error.Error shows.
const errorSnippet = 256

// ErrMissingParameter is wrapped by the error [Client.Do] returns, before
// any I/O, when a required parameter has neither a value nor a default.
var ErrMissingParameter = errors.New("missing required parameter")

var errStreamValue = errors.New("a Reader or File value is only allowed for a body or a multipart part")

// Error is returned by [Client.Do] for a non-2xx response (after retries).
// Use errors.As to get it.
type Error struct {
	OperationID string
	StatusCode  int
	Status      string      // e.g. "404 Not Found"
	Header      http.Header // response headers
	Body        []byte      // at most MaxErrorBody bytes of the response body
	Truncated   bool        // the body was longer than MaxErrorBody

	secrets []string // credential values sent with the request, scrubbed from Error()
}

// Error returns "OperationID: Status: <start of the body on one line>".
// Credential values sent with the request are replaced by REDACTED in the
// message (not in Body).
func (e *Error) Error() string {
	status := e.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	msg := e.OperationID + ": " + status
	if snip := snippet(scrub(string(e.Body), e.secrets)); snip != "" {
		msg += ": " + snip
	}
	return msg
}

// DecodeError is returned by [Client.Do] when a success response does not
// decode into the result value. The result value is filled as far as
// encoding/json got; Body holds at most MaxErrorBody bytes of the response.
type DecodeError struct {
	OperationID string
	StatusCode  int
	Body        []byte
	Err         error
}

// Error describes the failure.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: decoding %d response: %v", e.OperationID, e.StatusCode, e.Err)
}

// Unwrap returns the encoding/json error.
func (e *DecodeError) Unwrap() error { return e.Err }

// snippet returns the first errorSnippet bytes of s on one line, with runs
// of whitespace and control characters collapsed to one space.
func snippet(s string) string {
	cut := false
	if len(s) > errorSnippet {
		n := errorSnippet
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == utf8.RuneError
	}), " ")
	if cut && s != "" {
		s += " …"
	}
	return s
}

// scrub replaces every occurrence of the given secret values in s.
func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "REDACTED")
		}
	}
	return s
}

// scrubbedError hides secret values in the message of an error that does
// not come from this package (e.g. from middleware or the transport).
// There is deliberately no Unwrap: the original error's message is what
// holds the secrets, and errors.As would hand it out. errors.Is still sees
// the sentinels of the chain (context.Canceled, io.EOF, ...), and Timeout
// answers as the original would (net.Error).
type scrubbedError struct {
	msg string
	err error
}

// Error returns the scrubbed message.
func (e *scrubbedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// Timeout reports whether the original error is a timeout.
func (e *scrubbedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}
