// Package ir is the intermediate representation between the loaded spec and
// the emitted Go code: plain data, every Go name final. Only package lower
// builds it; emit prints it and the CLI's `call` turns an Op into a runtime
// operation, so the request a generated method sends and the one `call`
// sends are built from the same facts.
package ir

import (
	"path"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// Package is one generated Go package.
type Package struct {
	Name string
	// Source is the connector path as given by the user (never made absolute).
	Source string

	Title, Description string
	// BaseURL is scheme://host/basePath from the document.
	BaseURL string
	// Initialisms are the extra naming initialisms the package was
	// generated with (emit derives more names, e.g. for fakes).
	Initialisms []string

	Actions    []*Action // sorted by GoName
	Triggers   []*Trigger
	Types      []*Type // sorted by GoName
	Connection *Connection

	// Paging, dynamic metadata and custom code (see the block at the end).
	Pagers  []*Pager  // sorted by GoName
	Lookups []*Lookup // sorted by GoName
	Script  *Script   // nil when no operation is covered by custom code

	// Policy templates (see the Policy block).
	Policies []*Policy // every instance the runtime applies, connector order
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

	// Policies are the policy template instances scoped to this operation
	// (connector order); connector-wide ones are Package.Policies with
	// Global set.
	Policies []*Policy
}

// PollingTrigger mirrors runtime.PollingTrigger.
type PollingTrigger struct {
	Config []TriggerConfig // usable entries, connector order
}

// TriggerConfig is one triggerConfig entry: query parameter ← expression.
// BodyPath is set when the expression is exactly one @triggerBody()
// property path without indexes ("@{triggerBody().requested_at}"): the
// property names from the response root (generated fakes fill it).
type TriggerConfig struct {
	Param, Expr string
	BodyPath    []string
}

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
	// ConnGateway is a gatewaySetting (on-premises data gateway): not
	// supported; a connection that needs one fails with a clear error.
	ConnGateway
)

// Connection is the typed connection of a package.
type Connection struct {
	// Params lists every connection parameter; with parameter sets, those of
	// all sets merged by name (what `connectorgen call` asks a store for).
	Params []*ConnParam
	// Auth lists how credentials are attached, in order (no parameter sets).
	Auth []*Auth
	// Sets are the connection parameter sets (connectionParameterSets) when
	// there are two or more: the generated Connection is then an interface
	// implemented by one struct per set, and Params/Auth above only serve
	// `call`. Connector order.
	Sets []*ConnSet
}

// ConnSet is one connection parameter set.
type ConnSet struct {
	Name                     string // as in apiProperties.json ("keyBasedAuth")
	GoName                   string // its struct type ("ConnectionKeyBasedAuth")
	DisplayName, Description string
	Params                   []*ConnParam // GoNames are field names of the set's struct
	Auth                     []*Auth
	Pos                      diag.Pos
}

// ConnParam is one connection parameter.
type ConnParam struct {
	Name     string // as in apiProperties.json
	GoName   string
	Kind     ConnParamKind
	Required bool
	// Hidden parameters (uiDefinition.constraints.hidden) are not prompted
	// for by `connectorgen login`.
	Hidden bool
	// Default is the defaultValue, used when the store has no value.
	Default    string
	HasDefault bool
	// AllowedValues lists the values a drop-down offers (prompts only).
	AllowedValues []string
	// DisplayName is the label of the parameter (prompts).
	DisplayName string
	Doc         string
	// OAuth describes the token of an oauthSetting parameter (ConnOAuthToken).
	OAuth *OAuth
	Pos   diag.Pos
}

// OAuthKind mirrors runtime.OAuthKind.
type OAuthKind uint8

const (
	OAuth2 OAuthKind = iota + 1
	OAuth2Generic
	AAD
	AADCertificate
)

// OAuth mirrors runtime.OAuthSettings: how the token of an oauthSetting
// parameter is obtained and refreshed, interpreted from oAuthSettings.
type OAuth struct {
	// VarName is the package-level variable holding the settings.
	VarName string
	// Provider is identityProvider as written.
	Provider string
	Kind     OAuthKind
	// ClientID is "" when the connector declares a placeholder.
	ClientID                                                    string
	Scopes                                                      []string
	AuthURL, TokenURL, RefreshURL, DeviceAuthURL                string
	AuthQuery, TokenQuery, TokenBody, RefreshQuery, RefreshBody string
	ScopeDelimiter                                              string
	LoginURL, TenantID, ResourceURI                             string
	GrantType                                                   string
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

// ---- Paging, dynamic metadata and custom code ----

// Pager is the iterator method of a pageable action (x-ms-pageable): it
// calls the action and follows the next links of its responses.
type Pager struct {
	GoName string
	Action *Action // the page method, whose parameters the pager takes
	// NextLink is the response property holding the next page's URL.
	NextLink string
	// Items is the '/'-separated path of the item array from the response root.
	Items string
	// Item is the type of one item (json.RawMessage when unknown).
	Item *TypeRef
	Pos  diag.Pos
}

// LookupKind is what a Lookup fetches.
type LookupKind uint8

const (
	LookupValues LookupKind = iota + 1 // value/title pairs (x-ms-dynamic-values, x-ms-dynamic-list)
	LookupSchema                       // a JSON schema (x-ms-dynamic-schema, x-ms-dynamic-properties)
)

// Lookup is a helper method that calls another operation of the connector,
// as the designer does for dynamic metadata, with parameters bound from
// constants and from the helper's arguments.
type Lookup struct {
	GoName string
	Kind   LookupKind
	// Extension is the extension the lookup comes from ("x-ms-dynamic-list", ...).
	Extension string
	// Host is the action (or trigger setup) whose parameter or schema the
	// lookup serves; Subject names the parameter, body property or schema
	// location in words, for docs (`parameter "table"`).
	Host    *Action
	Subject string
	// Target is the operation called.
	Target   *Action
	Args     []*LookupArg
	Bindings []*Binding
	// LookupValues: where the values are (ValueList), and their Go type.
	Collection, ValuePath, TitlePath string
	Value                            *TypeRef
	// LookupSchema: where the schema is in the response ("" = the body).
	SchemaPath string
	Pos        diag.Pos
}

// LookupArg is a parameter of a lookup helper: the value of a parameter
// (or body property) of the host that a binding refers to.
type LookupArg struct {
	GoName string // local name
	Type   *TypeRef
	// Source says what the argument stands for, for docs
	// (`parameter "type"`, `body property "form_id"`).
	Source string
}

// Binding sets one parameter (or a property inside the body) of the target.
type Binding struct {
	Param int      // index in Target.Op.Params
	Path  []string // property path inside a body parameter; nil: the whole parameter
	// Const is the JSON of a constant value; when nil the value is Args[Arg].
	Const []byte
	Arg   int
}

// Script is the custom-code hook of a package (script.csx).
type Script struct {
	TypeName   string // the generated interface
	OptionName string // the generated option installing it
	// Operations are the operation IDs the connector's custom code covers,
	// nil when it covers every operation.
	Operations []string
	// File is the script file ("" when the connector lists script
	// operations without shipping the script).
	File string
}

// ---- Policy templates ----

// Policy mirrors runtime.Policy: one policyTemplateInstances entry the
// runtime applies (pollingtrigger instances are Op.PollingTrigger instead).
// Defaults are written out (Exists "override", Retain true when retainKey
// is absent) and Section is the phase the instance runs in.
type Policy struct {
	// Template is the templateId in lower case ("setheader").
	Template string
	// Index is the position in policyTemplateInstances; the emitted variable
	// is named after it.
	Index   int
	Title   string
	Section string // "Request", "Response" or "Failure"
	// Global is set for instances without an operation scope: they apply
	// to every operation (runtime.WithPolicies).
	Global bool

	Name, Value, Exists, URL, Method    string // Exists: "override", "skip" or "append"
	From, FromSub, To, ToSub, ValuePath string
	KeyName, ValueName, Find, Replace   string
	Retain, SubOnly                     bool
	StatusCode                          int
	Pos                                 diag.Pos
}

// GoString renders t as in Go source, a qualified type by the last element
// of its import path (runtime.DateTime, json.RawMessage, io.Reader): the
// form tools that describe the generated API print (inspect, diff).
func (t *TypeRef) GoString() string {
	if t == nil {
		return ""
	}
	switch t.Kind {
	case Slice:
		return "[]" + t.Elem.GoString()
	case Map:
		return "map[string]" + t.Elem.GoString()
	case Pointer:
		return "*" + t.Elem.GoString()
	case Qual:
		return path.Base(t.Pkg) + "." + t.Name
	}
	return t.Name // Builtin, Named
}
