// Package ir is the intermediate representation between the loaded spec and
// the emitted Go code: plain data, every Go name final. Only package lower
// builds it; emit prints it and the CLI's `call` turns an Op into a runtime
// operation, so the request a generated method sends and the one `call`
// sends are built from the same facts.
package ir

import "github.com/connectorgen/connectorgen/generator/diag"

// Package is one generated Go package.
type Package struct {
	Name string
	// Source is the connector path as given by the user (never made absolute).
	Source string

	Title, Description string
	// BaseURL is scheme://host/basePath from the document.
	BaseURL string

	Actions    []*Action // sorted by GoName
	Triggers   []*Trigger
	Types      []*Type // sorted by GoName
	Connection *Connection
}

// BodyKind mirrors runtime.BodyKind.
type BodyKind uint8

const (
	BodyNone BodyKind = iota
	BodyJSON
	BodyForm
	BodyMultipart
	BodyRaw
)

// ResultKind mirrors runtime.ResultKind.
type ResultKind uint8

const (
	ResultNone ResultKind = iota
	ResultJSON
	ResultBinary
	ResultText
)

// Op is the wire description of one operation (runtime.Operation as data).
type Op struct {
	ID, Method, Path string
	Params           []*Param // spec order
	Body             BodyKind
	ContentType      string
	BodyDefault      []byte // JSON, nil when none
	Result           ResultKind
	Accept           string
	NoAuth           bool
	// PollingTrigger is the pollingtrigger policy of a polling trigger,
	// nil when it has none.
	PollingTrigger *PollingTrigger
}

// PollingTrigger mirrors runtime.PollingTrigger.
type PollingTrigger struct {
	Config []TriggerConfig // usable entries, connector order
}

// TriggerConfig is one triggerConfig entry: query parameter ← expression.
type TriggerConfig struct{ Param, Expr string }

// TriggerValue mirrors runtime.TriggerValue (x-ms-trigger-value).
type TriggerValue struct{ Collection, Path string }

// Exposure says how a parameter appears in the generated method.
type Exposure uint8

const (
	Positional Exposure = iota // a required argument
	Optional                   // a field of the Options struct
	Hidden                     // internal, filled from its default
)

// Param is one operation parameter.
type Param struct {
	Name, In           string // as in the spec: path, query, header, body, formData
	Required, Internal bool
	DoubleEncode, File bool
	Default            string // text (JSON for body) form of the default
	HasDefault         bool
	Collection         string // "", "csv", "ssv", "tsv", "pipes", "multi"
	TriggerValue       *TriggerValue
	Exposure           Exposure
	GoName             string // local name (Positional) or Options field name (Optional)
	Type               *TypeRef
	Doc                string
	Pos                diag.Pos
}

// Action is one generated client method.
type Action struct {
	GoName      string
	Op          Op
	Options     string // name of the Options struct type, "" when there are no optional parameters
	Result      *TypeRef
	Summary     string
	Description string
	Deprecated  bool
	Internal    bool
	Pos         diag.Pos
}

// TriggerMode classifies a trigger operation.
type TriggerMode uint8

const (
	Polling TriggerMode = iota + 1
	Webhook
)

func (m TriggerMode) String() string {
	switch m {
	case Polling:
		return "polling"
	case Webhook:
		return "webhook"
	}
	return "unknown"
}

// Trigger is a trigger operation, classified. Typed subscribers are emitted
// in a later step; the IR already knows their kind.
type Trigger struct {
	GoName      string
	OperationID string
	Mode        TriggerMode
	Batch       bool
	Summary     string
	Description string
	Hint        string
	// Setup is the poll request (polling) or the subscribe request (webhook),
	// lowered like an action.
	Setup *Action
	// Event is the type of one delivered event: for a batch trigger the item
	// type of the array its 200 body carries; for a webhook the schema of
	// x-ms-notification-content, else of the subscribe response; otherwise the
	// 200 body. Nil when the definition gives no schema (events stay raw JSON).
	Event *TypeRef
	// Split says how a batch trigger's 200 body becomes events: SplitPath
	// names the array from the body root (nil: the body is the array). When
	// Split is false every 200 body is one event.
	Split     bool
	SplitPath []string
	// Method names of the typed subscriber: Run (polling: PollX; webhook:
	// DeliverX), and for webhooks Subscribe and Unsubscribe.
	RunName, SubscribeName, UnsubscribeName string
	// NotificationPath is the property path of the x-ms-notification-url
	// property in the subscribe body (webhooks); BodyIndex the body
	// parameter's index in Setup.Op.Params (-1 when there is none).
	NotificationPath []string
	BodyIndex        int
	Pos              diag.Pos
}

// TypeKind is the kind of a TypeRef.
type TypeKind uint8

const (
	Builtin TypeKind = iota // Name is a Go type expression: string, int64, bool, float64, any, []byte
	Named                   // Name is a generated type
	Slice                   // []Elem
	Map                     // map[string]Elem
	Pointer                 // *Elem
	Qual                    // Pkg.Name: json.RawMessage, io.Reader, runtime.DateTime ...
)

// TypeRef is a Go type expression.
type TypeRef struct {
	Kind TypeKind
	Name string
	Pkg  string // import path for Qual
	Elem *TypeRef
	// Enum is set when the reference names a string enum type.
	Enum bool
	// Struct is set when the reference names a struct type.
	Struct bool
}

// TypeDeclKind is the kind of a generated named type.
type TypeDeclKind uint8

const (
	StructType TypeDeclKind = iota
	EnumType
)

// Type is a generated named type.
type Type struct {
	GoName string
	Kind   TypeDeclKind
	Fields []*Field // StructType
	Base   *TypeRef // EnumType: the underlying type (string)
	Values []*EnumValue
	Doc    string
	// Source names what the type came from ("#/definitions/Item", "GetItem response").
	Source string
	Pos    diag.Pos
}

// EnumValue is one constant of an enum type.
type EnumValue struct {
	GoName string
	Value  string
}

// Field is a struct field.
type Field struct {
	GoName   string
	JSONName string
	Type     *TypeRef
	// Opt wraps the type in runtime.Opt (optional scalars).
	Opt bool
	// OmitNil leaves the field out when it is nil (tag omitzero: slices, maps, pointers, raw JSON).
	OmitNil    bool
	Doc        string
	Deprecated bool
}

// ConnParamKind is the Go shape of a connection parameter.
type ConnParamKind uint8

const (
	ConnString ConnParamKind = iota
	ConnSecret
	ConnInt
	ConnBool
	ConnOAuthToken
)

// Connection is the typed connection of a package.
type Connection struct {
	Params []*ConnParam
	// Auth lists how credentials are attached, in order.
	Auth []*Auth
}

// ConnParam is one connection parameter.
type ConnParam struct {
	Name     string // as in apiProperties.json
	GoName   string
	Kind     ConnParamKind
	Required bool
	Doc      string
	Pos      diag.Pos
}

// AuthKind says how a credential is attached.
type AuthKind uint8

const (
	AuthAPIKey AuthKind = iota + 1
	AuthBasic
	AuthBearer
)

// Auth is one credential attachment.
type Auth struct {
	Kind AuthKind
	// API key: In is "header" or "query", Name the header/parameter name.
	In, Name string
	// Value (API key, bearer token) or User/Password (basic) name connection parameters (GoNames).
	Value, User, Password string
}
