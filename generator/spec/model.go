// Package spec loads connector definitions: apiDefinition.swagger.json (Swagger
// 2.0, or OpenAPI 3.x mapped onto the same model), apiProperties.json and the
// presence of a custom-code script. It is the only package that imports
// libopenapi or a YAML/JSON tree type; everything past it sees the plain structs
// of this file, each carrying the position it came from.
//
// The model says what the document says, normalised only where the platform
// itself normalises (case of enum-like extension values, missing basePath,
// derived operation ids). Interpretation (Go types, names, required-ness of
// the generated API) belongs to package lower.
package spec

import (
	"encoding/json"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// Connector is one connector folder (or a lone swagger file).
type Connector struct {
	// Dir is the folder as given by the user ("" for a lone swagger file).
	Dir string
	// Name is the folder's base name (or the swagger file name without
	// extension), the source of the default package name.
	Name string
	// API is the parsed swagger.
	API *Document
	// Properties is apiProperties.json, nil when the connector has none.
	Properties *Properties
	// Script is the custom-code file, nil when there is none.
	Script *Script
}

// Script is a custom-code file (script.csx and its spelling variants).
type Script struct {
	File string // path as found
	Size int64
}

// Document is a parsed API definition.
type Document struct {
	File    string // path as given; used in every Pos
	Version string // "2.0", or the OpenAPI 3 version string

	Title, Description, APIVersion string
	// Status is info.x-ms-api-annotation.status, lower-cased ("preview", "production").
	Status string

	Host     string
	BasePath string   // "" when absent
	Schemes  []string // lower-case, source order
	Consumes []string
	Produces []string

	Paths               []*PathItem // source order
	Definitions         []*Schema   // #/definitions in source order; each has Name and Ref set
	SecurityDefinitions []*SecurityScheme
	// Security is the top-level security requirement list: each entry
	// is one alternative, naming the schemes it needs.
	Security [][]string

	// TestConnection is x-ms-capabilities.testConnection.operationId, if any.
	TestConnection string

	Pos diag.Pos
}

// PathItem is one entry of paths. Items without operations are kept (with no
// Operations) so that a notification-content-only item is still visible.
type PathItem struct {
	Path       string
	Operations []*Operation // source order
	// NotificationContent is x-ms-notification-content, nil when absent.
	NotificationContent *NotificationContent
	Pos                 diag.Pos
}

// NotificationContent describes the payload a webhook service POSTs to the
// callback URL.
type NotificationContent struct {
	Description string
	Schema      *Schema // $ref resolved against Definitions
	Pos         diag.Pos
}

// Operation is one method of a path item.
type Operation struct {
	Method string // upper-case: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
	Path   string // the path template, as in the document

	OperationID string
	// IDDerived is true when the document had no operationId (derived from
	// method and path) or when it was renamed to make it unique.
	IDDerived bool

	Summary, Description string
	Tags                 []string
	Deprecated           bool
	// Visibility is x-ms-visibility, lower-cased: "", "important", "advanced", "internal".
	Visibility string
	// Trigger is x-ms-trigger, lower-cased: "" (an action), "single" or "batch".
	Trigger     string
	TriggerHint string
	// TriggerMetadata is x-ms-trigger-metadata as raw JSON (nil when absent).
	TriggerMetadata json.RawMessage

	// Consumes and Produces are effective: the operation's own, else the document's.
	Consumes, Produces []string

	// Parameters are effective: path-item parameters merged with the
	// operation's (operation wins on name+in), $refs resolved, source order.
	Parameters []*Parameter
	Responses  []*Response // source order; Code is "200", "default", ...

	// Security is the operation's own requirement list; HasSecurity reports
	// whether the key was present (an empty list then means "no auth").
	Security    [][]string
	HasSecurity bool

	// Pageable is x-ms-pageable, nil when absent.
	Pageable *Pageable
	// Annotation is x-ms-api-annotation, nil when absent.
	Annotation *Annotation

	Pos diag.Pos
}

// Pageable is x-ms-pageable.
type Pageable struct {
	NextLinkName string // "" when not given
	ItemName     string // "" when not given
}

// Annotation is x-ms-api-annotation.
type Annotation struct {
	Family   string
	Revision int
	Status   string // lower-cased
}

// Parameter is one (resolved) parameter.
type Parameter struct {
	Name string
	In   string // "path", "query", "header", "body", "formData"
	// Ref is the "#/parameters/x" reference the parameter came from, "" if inline.
	Ref string

	Description string
	Summary     string // x-ms-summary
	Required    bool

	// Type, Format, Items, CollectionFormat, Enum and Default describe
	// non-body parameters. Type "file" occurs for formData.
	Type, Format     string
	Items            *Schema
	CollectionFormat string // "" (csv), "csv", "ssv", "tsv", "pipes", "multi"
	Enum             []any  // JSON-decoded values (numbers as json.Number)
	Default          any    // JSON-decoded value (numbers as json.Number); valid when HasDefault
	HasDefault       bool

	// Schema is the body schema (In == "body").
	Schema *Schema

	Visibility  string // lower-cased x-ms-visibility
	URLEncoding string // lower-cased x-ms-url-encoding: "", "single", "double"

	// Dynamic metadata extensions, raw JSON, nil when absent.
	DynamicValues, DynamicList, DynamicSchema, DynamicProperties, DynamicTree json.RawMessage
	// TriggerValue is x-ms-trigger-value as raw JSON, nil when absent.
	TriggerValue json.RawMessage

	Pos diag.Pos
}

// Response is one entry of responses.
type Response struct {
	Code        string // "200", "201", "default", ...
	Description string
	Schema      *Schema // nil when the response has no body schema
	Headers     []string
	Pos         diag.Pos
}

// Schema is a JSON schema. Schemas reached through the same $ref are the same
// *Schema, so reference cycles are pointer cycles: walk with a visited set.
type Schema struct {
	// Name is the definition name for #/definitions entries, "" for inline schemas.
	Name string
	// Ref is "#/definitions/Name" for definitions and schemas reached by $ref.
	Ref string

	Type   string // "object", "array", "string", "integer", "number", "boolean", "file", "null" or "" (any)
	Format string

	Title, Description string
	Summary            string // x-ms-summary

	Properties []*Property // source order
	Required   []string
	Items      *Schema
	// AdditionalProperties is the schema of additional properties, nil when
	// absent or a boolean; AdditionalPropertiesTrue reports additionalProperties: true.
	AdditionalProperties     *Schema
	AdditionalPropertiesTrue bool
	AllOf                    []*Schema

	Enum       []any // JSON-decoded values (numbers as json.Number)
	Default    any   // JSON-decoded value (numbers as json.Number); valid when HasDefault
	HasDefault bool
	ReadOnly   bool
	Nullable   bool // x-nullable (or OpenAPI 3 nullable / a "null" in a 3.1 type list)

	Visibility      string // lower-cased x-ms-visibility
	NotificationURL bool   // x-ms-notification-url: true
	Discriminator   string

	// Dynamic metadata extensions, raw JSON, nil when absent.
	DynamicSchema, DynamicProperties, DynamicValues, DynamicList json.RawMessage

	Pos diag.Pos
}

// Property is a named property of an object schema.
type Property struct {
	Name   string
	Schema *Schema
	Pos    diag.Pos
}

// SecurityScheme is one entry of securityDefinitions.
type SecurityScheme struct {
	Key  string // the key in securityDefinitions
	Type string // "apiKey", "basic", "oauth2" (as written; compare case-insensitively)
	// Name and In describe an apiKey: the header or query parameter name, and "header" or "query".
	Name, In string
	// OAuth2.
	Flow, AuthorizationURL, TokenURL string
	Scopes                           []string
	// Scheme is the lower-cased OpenAPI 3 http scheme ("basic", "bearer")
	// when the scheme came from an OpenAPI 3 "type: http" entry; "" for
	// Swagger 2. An http bearer scheme is mapped to Type "apiKey" with
	// Name "Authorization" and In "header", and Scheme "bearer".
	Scheme string
	Pos    diag.Pos
}

// Properties is apiProperties.json.
type Properties struct {
	File string

	ConnectionParameters []*ConnectionParameter // source order
	// ParameterSets is connectionParameterSets, nil when absent.
	ParameterSets *ParameterSets

	Policies []*PolicyInstance // policyTemplateInstances, source order

	// ScriptOperations lists the operations covered by custom code, from
	// scriptOperations or script.operationIds; HasScriptOperations reports
	// whether either key was present (an empty list means all operations).
	ScriptOperations    []string
	HasScriptOperations bool
	// ScriptOperationsPos is where the list is (the value of
	// scriptOperations or script.operationIds).
	ScriptOperationsPos diag.Pos

	Capabilities []string
	Pos          diag.Pos
}

// ConnectionParameter is one entry of connectionParameters.
type ConnectionParameter struct {
	Name string
	// Type as written ("securestring", "string", "int", "bool", "oauthSetting", "gatewaySetting").
	Type string

	DisplayName, Description, Tooltip string
	Required                          bool // uiDefinition.constraints.required == "true"
	Hidden                            bool
	Default                           string
	HasDefault                        bool
	AllowedValues                     []string

	// OAuth is oAuthSettings, nil when absent.
	OAuth *OAuthSettings
	Pos   diag.Pos
}

// OAuthSettings is the oAuthSettings of an oauthSetting parameter.
type OAuthSettings struct {
	IdentityProvider string
	ClientID         string
	Scopes           []string
	RedirectMode     string
	RedirectURL      string
	// CustomParameters maps name to value (customParameters.<name>.value).
	CustomParameters map[string]string
	// Properties is the raw "properties" object.
	Properties json.RawMessage
}

// ParameterSets is connectionParameterSets.
type ParameterSets struct {
	DisplayName, Description string
	Sets                     []*ParameterSet
	Pos                      diag.Pos
}

// ParameterSet is one alternative set of connection parameters.
type ParameterSet struct {
	Name                     string
	DisplayName, Description string
	Parameters               []*ConnectionParameter
	Pos                      diag.Pos
}

// PolicyInstance is one entry of policyTemplateInstances.
type PolicyInstance struct {
	TemplateID string // as written; compare case-insensitively
	Title      string
	Type       string
	Parameters []PolicyParameter // source order
	Pos        diag.Pos
}

// PolicyParameter is one key of a policy instance's parameters object.
type PolicyParameter struct {
	Name  string
	Value json.RawMessage
	Pos   diag.Pos
}
