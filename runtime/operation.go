package runtime

import (
	"encoding/json"
	"strconv"
)

// In is the location of an operation parameter.
type In uint8

// Parameter locations (Swagger 2.0 "in").
const (
	InPath     In = iota + 1 // a {name} placeholder in the path
	InQuery                  // a query parameter
	InHeader                 // a request header
	InBody                   // the request body (at most one per operation)
	InFormData               // a form field or multipart part
)

// String returns the Swagger name of the location ("path", "query", ...).
func (i In) String() string {
	switch i {
	case InPath:
		return "path"
	case InQuery:
		return "query"
	case InHeader:
		return "header"
	case InBody:
		return "body"
	case InFormData:
		return "formData"
	}
	return "In(" + strconv.Itoa(int(i)) + ")"
}

// Collection is how an array value is serialised in a path, query, header or
// form parameter (Swagger 2.0 collectionFormat).
type Collection uint8

// Array formats (Swagger 2.0 collectionFormat).
const (
	CSV   Collection = iota // a,b (the Swagger default)
	SSV                     // a b
	TSV                     // a\tb
	Pipes                   // a|b
	Multi                   // name=a&name=b (query and formData only)
)

// BodyKind is how the request body is encoded. When it is BodyNone but
// the operation has a body parameter (or formData parameters), Client.Do
// sends it as BodyJSON (or BodyForm).
type BodyKind uint8

// Body encodings.
const (
	BodyNone      BodyKind = iota // no body
	BodyJSON                      // the InBody argument, JSON-encoded
	BodyForm                      // InFormData arguments, application/x-www-form-urlencoded
	BodyMultipart                 // InFormData arguments, multipart/form-data
	BodyRaw                       // the InBody argument as raw bytes (binary, text, XML)
)

// ResultKind is how a successful response body is decoded.
type ResultKind uint8

// Result decodings.
const (
	ResultNone   ResultKind = iota // body discarded
	ResultJSON                     // decoded as JSON into the result value
	ResultBinary                   // handed over as an io.ReadCloser
	ResultText                     // read as a string
)

// Param describes one parameter of an Operation. Generated code declares
// these as data; `connectorgen call` builds the same description at run time.
type Param struct {
	Name string
	In   In
	// Required parameters must be given a value (or have a default).
	Required bool
	// Default, when HasDefault, is sent when the caller gives no value. For
	// path, query, header and formData parameters it is the text form; for a
	// JSON body it is JSON.
	Default    string
	HasDefault bool
	// Internal parameters (x-ms-visibility: internal) are not exposed by
	// generated methods; they are filled from Default.
	Internal bool
	// Collection is the array format; Multi repeats the parameter.
	Collection Collection
	// DoubleEncode records x-ms-url-encoding: double. See EscapePath for why
	// the value is nevertheless escaped once on the wire.
	DoubleEncode bool
	// File marks a formData file part.
	File bool
	// TriggerValue, on a query parameter of a polling trigger, says how
	// the parameter's next value is taken from a response
	// (x-ms-trigger-value; see polltrigger.go). Nil when absent.
	TriggerValue *TriggerValue
}

// Operation describes one connector operation: everything the runtime needs
// to build its request and decode its response. It is plain data, shared by
// generated clients and `connectorgen call`.
type Operation struct {
	ID     string // operationId
	Method string // upper-case HTTP method
	// Path is the path template relative to the base URL, e.g. "/v2/items/{id}".
	Path   string
	Params []Param
	// Body and ContentType say how the request body is encoded; ContentType
	// is the media type sent for BodyJSON and BodyRaw (multipart sets its own
	// boundary).
	Body        BodyKind
	ContentType string
	// BodyDefault is JSON merged under the caller's JSON body: the defaults
	// of internal properties (e.g. a webhook subscription's constant fields).
	// Caller-set fields win. Nil when there is nothing to merge.
	BodyDefault json.RawMessage
	// Result and Accept say how the success response is decoded and which
	// media type is asked for ("" sends no Accept header).
	Result ResultKind
	Accept string
	// NoAuth is true when the operation declares an empty security list:
	// the connection's credentials are not attached.
	NoAuth bool
	// PollingTrigger is the operation's pollingtrigger policy (a polling
	// trigger whose state the client computes; see polltrigger.go), nil
	// when it has none.
	PollingTrigger *PollingTrigger

	// Policies are the operation's own policy templates (instances scoped to
	// it), in Index order; connector-wide ones are given to the client with
	// WithPolicies. See policy.go.
	Policies []*Policy
}

// Idempotent reports whether the operation's method is idempotent
// (GET, HEAD, OPTIONS, PUT, DELETE); only those are retried by default.
func (op *Operation) Idempotent() bool {
	switch op.Method {
	case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE":
		return true
	}
	return false
}
