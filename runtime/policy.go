package runtime

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Policy templates (connector-protocol.md §6).
//
// A connector's apiProperties.json lists policyTemplateInstances that the
// platform's gateway runs around the backend call. The generator compiles
// them into [Policy] values (data in operations_gen.go) and the client
// applies them on its one request path, so generated clients, `connectorgen
// call` and polls/webhook subscriptions behave alike:
//
//   - Request-section policies run once per call, after the request is
//     built from the arguments and before it is sent (and before any retry
//     or custom code). They see the connection's credentials: on the
//     platform credentials are attached before the policies run (DeepL
//     prefixes the key the apiKey definition put in Authorization, and
//     DeskDirector overrides that header with "DdApi <key>"). The client
//     attaches credentials per attempt (an OAuth token may be refreshed
//     between attempts), so a policy that reads a header or query
//     parameter the request does not carry asks the [Authorizer] what it
//     would attach, and the headers policies decide are restored after the
//     Authorizer at every attempt: the policy's value wins, as on the
//     platform.
//   - Response-section policies run on the final response (after retries),
//     before it is decoded or handed over: for 2xx and error responses
//     alike, as the gateway's outbound section does. Failure-section ones
//     (setheader only) run on error responses.
//   - Policies run in the order of policyTemplateInstances. Connector-wide
//     instances (no x-ms-apimTemplate-operationName) are given to the client
//     once ([WithPolicies]); scoped ones sit on their [Operation]. Each
//     carries its position in the file ([Policy.Index]) and the client merges
//     the two lists by it, so a scoped instance listed after a connector-wide
//     one of the same kind still wins (DeskDirector: a global dynamicHostUrl
//     then a scoped one). Keeping connector-wide ones on the client rather
//     than copying them into every Operation also gives them to requests
//     that belong to no generated operation (a webhook's unsubscribe DELETE,
//     next-page links), which need the credentials such policies carry.
//   - A request whose URL the caller set verbatim (a polling Location, a
//     next-page link, an unsubscribe Location) keeps that URL: the templates
//     that choose the URL (dynamichosturl, dynamicsubdomain,
//     routerequesttoendpoint) and setqueryparameter's append are not applied
//     to it, the others are (headers carrying credentials, for one).
//   - An explicit base URL ([WithBaseURL], `connectorgen call --base-url`)
//     wins over dynamichosturl and dynamicsubdomain: both answer the same
//     question (where is the service?) and the caller's answer is the more
//     specific one; pointing a client at a fake would otherwise be impossible
//     for connectors that compute their host.
//   - Expressions are parsed once per Policy (on first use), never per request.
//   - Values read from the connection ([WithConnectionParameters]) that are
//     secrets are removed from logged URLs and error messages, wherever a
//     policy put them (a header, the query, the path). Error messages of
//     policies name templates, parameters and paths, never values.
//
// The semantics of each template, and the readings chosen where the
// protocol reference marks a point UNCONFIRMED or INFERRED, are documented
// on the [PolicyTemplate] constants.

// PolicyTemplate is the kind of a policy template (templateId, compared
// case-insensitively by the generator).
type PolicyTemplate uint8

// Policy templates. The fields of [Policy] each one reads are listed with it.
const (
	// PolicySetHeader sets header Name to the text of Value (setheader,
	// §6.2). Exists says what to do when the header is present: replace it,
	// keep it, or add Value as another field line (the separator of
	// "append" is UNCONFIRMED; separate field lines are equivalent to a
	// comma-separated list for HTTP). Request: on the backend request;
	// Response: on the response the caller gets; Failure: on error responses.
	PolicySetHeader PolicyTemplate = iota + 1
	// PolicySetQueryParameter sets query parameter Name to the text of
	// Value (setqueryparameter, §6.3), with Exists as for PolicySetHeader
	// ("override" replaces the parameter where it stands, "append" adds
	// another occurrence).
	PolicySetQueryParameter
	// PolicyDynamicHostURL replaces the base URL with the text of URL
	// (urlTemplate, §6.4). The rule that fits every corpus instance
	// (INFERRED): a result without a scheme gets https://; a result with a
	// path other than "" or "/" is the whole base URL, otherwise the
	// connector's basePath is kept. A query in the result is put before the
	// request's own query. Not applied when the client has an explicit base
	// URL (see above).
	PolicyDynamicHostURL
	// PolicyDynamicSubdomain is dynamicsubdomain, which is not in the
	// platform's schema; it behaves like PolicyDynamicHostURL (INFERRED,
	// §6.4).
	PolicyDynamicSubdomain
	// PolicyRouteRequest sends the request to path URL (newPath, §6.5)
	// below the base URL (basePath included; a missing leading "/" is
	// added), with {name} placeholders replaced by the operation's path
	// parameters and expression values path-escaped. The query and the body
	// are kept (INFERRED). Method, when set, is the new HTTP method
	// (@Request.OriginalHTTPMethod is the operation's own).
	PolicyRouteRequest
	// PolicySetProperty sets property FromSub (a property path such as
	// "name" or "['@odata.type']") of the object designated by From
	// (newPropertyParentPathTemplate, e.g. "@body().references"), or of every
	// element when From designates an array, to Value
	// (propertyValuePathTemplate, §6.6). A Value that is exactly one
	// expression keeps the JSON value it reads ("{@body().next}"); any other
	// Value is text, used as JSON when it starts with "[" or "{" and parses
	// ("[{@body().payments}]" wraps an object in an array, INFERRED), so
	// "30" stays the string the documentation shows. @item() is the element
	// (or the object). An element the Value's body paths are null for is
	// left alone.
	PolicySetProperty
	// PolicyConvertObjectToArray turns the object at FromSub below From
	// (each element of From when it is an array) into an array of
	// {KeyName: key, ValueName: value} (defaults "key" and "value") written
	// at To (newPropertyPath; @item() is the element), §6.7, in the order
	// the members have in the body.
	PolicyConvertObjectToArray
	// PolicyConvertArrayToObject turns the array at FromSub below From into
	// an object keyed by the text of each element's KeyName property path
	// (keyWithinCollectionPath), written at To; Retain keeps that property
	// inside each value (retainKey, default true), §6.8. Later duplicates
	// win. An element that is not an object or has no key is an error
	// before anything is sent (dropping it would lose data silently).
	PolicyConvertArrayToObject
	// PolicyStringToArray splits the string at FromSub below From at every
	// character of Find (delimiterList) into [{KeyName: part}, ...]
	// (childPropertyName), written at To (§6.9). Parts are trimmed of blanks
	// and empty parts dropped ("a; b;" is two ids, not three; INFERRED).
	PolicyStringToArray
	// PolicyStringReplace replaces every occurrence of Find (sourceString)
	// by Replace (replacementString) in the string at FromSub below From
	// (each element of From when it is an array) and writes it at To
	// (§6.9, "every" INFERRED).
	PolicyStringReplace
	// PolicyEncodePropertyValue percent-encodes the string at FromSub below
	// From and writes it at To (§6.9). The kind of encoding is UNCONFIRMED;
	// the runtime encodes every byte but the RFC 3986 unreserved characters
	// (A-Z a-z 0-9 - . _ ~), as .NET's Uri.EscapeDataString does: it is
	// consistent with Planner, which replaces "." itself after encoding.
	PolicyEncodePropertyValue
	// PolicyMoveProperties moves the value at FromSub below From to ToSub
	// below To (moveproperties, not in the schema; INFERRED from AzureAD,
	// §6.9). An empty ToSub ("null" in the connector) is To itself. With
	// SubOnly (copyOnlySubProperties) the members of the source object are
	// moved into the destination object instead; either way the source is
	// removed. Moved members replace members of the same name.
	PolicyMoveProperties
	// PolicySetValueFromURL sends Method (GET when empty) to URL
	// (parameterValueUrl, below the base URL with {name} placeholders) with
	// the connection's credentials before the request is sent, reads
	// ValuePath (parameterValuePathTemplate, a @body() path) from its JSON
	// response and sets the header or query parameter that To
	// (parameterTemplate, "@headers('If-Match')") names (§6.10). Which
	// credentials the extra call carries is INFERRED: those of the
	// [Authorizer], not the results of other policies. A value that is
	// null is an error.
	PolicySetValueFromURL
	// PolicyUpdateNextLink rewrites the next-page link in the response
	// (property Name below From, default @body()) so that it routes through
	// the connector (§6.11, §2.8). A generated client is its own gateway:
	// the link is resolved against the request URL (absolute, so it can be
	// followed through the client with the connection's credentials and
	// policies), and when the client talks to an explicit base URL
	// ([WithBaseURL]) a link to the connector's declared service is moved
	// onto that base URL, as the gateway moves backend links onto itself.
	PolicyUpdateNextLink
	// PolicySetConnectionStatusToUnauthenticated turns a final response
	// with status StatusCode into an [*UnauthenticatedError] (§6.12): the
	// connection's credentials are not accepted any more and the user has
	// to fix or re-sign the connection.
	PolicySetConnectionStatusToUnauthenticated
)

var policyTemplateNames = [...]string{
	PolicySetHeader:                            "setheader",
	PolicySetQueryParameter:                    "setqueryparameter",
	PolicyDynamicHostURL:                       "dynamichosturl",
	PolicyDynamicSubdomain:                     "dynamicsubdomain",
	PolicyRouteRequest:                         "routerequesttoendpoint",
	PolicySetProperty:                          "setproperty",
	PolicyConvertObjectToArray:                 "convertobjecttoarray",
	PolicyConvertArrayToObject:                 "convertarraytoobject",
	PolicyStringToArray:                        "stringtoarray",
	PolicyStringReplace:                        "stringreplace",
	PolicyEncodePropertyValue:                  "encodepropertyvalue",
	PolicyMoveProperties:                       "moveproperties",
	PolicySetValueFromURL:                      "setvaluefromurl",
	PolicyUpdateNextLink:                       "updatenextlink",
	PolicySetConnectionStatusToUnauthenticated: "setconnectionstatustounauthenticated",
}

// String returns the templateId in lower case ("setheader").
func (t PolicyTemplate) String() string {
	if t > 0 && int(t) < len(policyTemplateNames) {
		return policyTemplateNames[t]
	}
	return "PolicyTemplate(" + strconv.Itoa(int(t)) + ")"
}

// LookupPolicyTemplate returns the template with the given templateId,
// compared case-insensitively ("SetProperty", "dynamicHostUrl").
func LookupPolicyTemplate(id string) (PolicyTemplate, bool) {
	for t, name := range policyTemplateNames {
		if name != "" && strings.EqualFold(name, id) {
			return PolicyTemplate(t), true
		}
	}
	return 0, false
}

// PolicySection is when a policy runs (x-ms-apimTemplate-policySection).
type PolicySection uint8

// Policy sections. The zero value is the request, the natural phase of the
// templates that have no section parameter (host, routing, query).
const (
	RequestSection  PolicySection = iota // before the backend call
	ResponseSection                      // on the backend's final response
	FailureSection                       // on a final error response (setheader only)
)

// String returns "Request", "Response" or "Failure".
func (s PolicySection) String() string {
	switch s {
	case RequestSection:
		return "Request"
	case ResponseSection:
		return "Response"
	case FailureSection:
		return "Failure"
	}
	return "PolicySection(" + strconv.Itoa(int(s)) + ")"
}

// ExistsAction is what setheader and setqueryparameter do when the header
// or parameter is already present (existsAction).
type ExistsAction uint8

// Exists actions; the zero value is the platform's default.
const (
	ExistsOverride ExistsAction = iota // replace it
	ExistsSkip                         // keep it, do nothing
	ExistsAppend                       // add the value as another occurrence
)

// Policy is one compiled policy template instance. Generated code declares
// these as data; `connectorgen call` builds the same values at run time.
// Expression fields hold the connector's source text (parsed on first use,
// once per Policy). Which fields a template reads is documented on its
// [PolicyTemplate] constant; the others are ignored. A Policy must not be
// changed once a client has used it.
type Policy struct {
	Template PolicyTemplate
	// Index is the instance's position in policyTemplateInstances: the
	// client applies connector-wide and operation policies in this order.
	Index   int
	Section PolicySection
	// Title is the instance's title, for error messages.
	Title string

	// Name is the header or query parameter (setheader, setqueryparameter)
	// or the next-link property (updatenextlink).
	Name string
	// Value is the value template of setheader, setqueryparameter and
	// setproperty.
	Value  string
	Exists ExistsAction
	// URL is the URL or path template: urlTemplate (dynamichosturl,
	// dynamicsubdomain), newPath (routerequesttoendpoint), parameterValueUrl
	// (setvaluefromurl).
	URL string
	// Method is httpMethod (routerequesttoendpoint, setvaluefromurl): ""
	// keeps the request's method.
	Method string

	// From is the parent expression (propertyParentPath,
	// newPropertyParentPathTemplate, srcParentPath,
	// nextLinkParentPropertyPath) and FromSub the property path below it
	// (propertySubPath, newPropertySubPathTemplate, srcSubPath).
	From, FromSub string
	// To is the destination expression (newPropertyPath, dstParentPath,
	// parameterTemplate) and ToSub the property path below it (dstSubPath).
	To, ToSub string
	// ValuePath is parameterValuePathTemplate (setvaluefromurl).
	ValuePath string
	// KeyName and ValueName are keyName and valueName
	// (convertobjecttoarray); KeyName is also keyWithinCollectionPath
	// (convertarraytoobject) and childPropertyName (stringtoarray).
	KeyName, ValueName string
	// Find and Replace are sourceString and replacementString
	// (stringreplace); Find is also delimiterList (stringtoarray).
	Find, Replace string
	// Retain is retainKey (convertarraytoobject; the connector's default is
	// true, which the generator writes out).
	Retain bool
	// SubOnly is copyOnlySubProperties (moveproperties).
	SubOnly bool
	// StatusCode is statusCode (setconnectionstatustounauthenticated).
	StatusCode int

	once sync.Once
	comp *compiledPolicy
	err  error
}

// describe names the policy in error messages.
func (p *Policy) describe() string {
	if p.Title != "" {
		return fmt.Sprintf("policy %s %q", p.Template, p.Title)
	}
	return fmt.Sprintf("policy %s #%d", p.Template, p.Index)
}

// ErrUnauthenticated is wrapped by [*UnauthenticatedError].
var ErrUnauthenticated = errors.New("the connection is not authenticated any more")

// UnauthenticatedError is returned for a response whose status the
// connector's setconnectionstatustounauthenticated policy names (e.g. 401):
// the platform marks the connection unauthenticated and asks the user to
// fix it; a client should do the same (new credentials, a new sign-in)
// instead of retrying. errors.As still finds the [*Error] (status, headers,
// body), and errors.Is(err, ErrUnauthenticated) is true.
type UnauthenticatedError struct {
	Err *Error
}

// Error describes the response and the connection state.
func (e *UnauthenticatedError) Error() string {
	return e.Err.Error() + " (connection unauthenticated: its credentials must be renewed)"
}

// Unwrap returns ErrUnauthenticated and the response's [*Error].
func (e *UnauthenticatedError) Unwrap() []error { return []error{ErrUnauthenticated, e.Err} }

// WithPolicies gives the client the connector-wide policies (instances
// without an operation scope): they apply to every request of the client,
// merged by [Policy.Index] with each [Operation]'s own Policies. Generated
// New functions pass the connector's.
func WithPolicies(ps ...*Policy) Option {
	return func(o *options) { o.policies = append(o.policies, ps...) }
}

// WithConnectionParameters gives the client the connection parameter values
// that policy expressions read (@connectionParameters('name')), by name as
// in apiProperties.json. A value is a string, a [Secret], a bool or an
// integer; Secret values never reach logs or error messages, wherever a
// policy puts them. A name that is absent is "not set" (the expression's
// default applies); an empty string is set and empty. Generated New
// functions pass the parameters the connector's policies read.
func WithConnectionParameters(params map[string]any) Option {
	return func(o *options) {
		if o.connParams == nil {
			o.connParams = make(map[string]any, len(params))
		}
		for k, v := range params {
			o.connParams[k] = v
		}
	}
}

// policyConfig is the client's policy state, built by NewClient.
type policyConfig struct {
	global   []*Policy         // connector-wide, sorted by Index
	params   map[string]string // connection parameter values
	secrets  []string          // secret values and their escaped forms, for scrubbing
	explicit bool              // WithBaseURL was given
	declared *url.URL          // the base URL given to NewClient (the connector's service)
}

func newPolicyConfig(o *options, declared string) (policyConfig, error) {
	pc := policyConfig{explicit: o.baseURLSet}
	if u, err := url.Parse(declared); err == nil && u.Host != "" {
		pc.declared = u
	}
	for _, p := range o.policies {
		if p != nil {
			pc.global = append(pc.global, p)
		}
	}
	sortPolicies(pc.global)
	if len(o.connParams) > 0 {
		pc.params = make(map[string]string, len(o.connParams))
	}
	for name, v := range o.connParams {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case Secret:
			s = x.Reveal()
			if len(s) >= minScrub {
				pc.secrets = append(pc.secrets, s, url.QueryEscape(s), url.PathEscape(s))
			}
		case bool:
			s = strconv.FormatBool(x)
		case int:
			s = strconv.Itoa(x)
		case int32:
			s = strconv.FormatInt(int64(x), 10)
		case int64:
			s = strconv.FormatInt(x, 10)
		case nil:
			continue
		default:
			return pc, fmt.Errorf("runtime: connection parameter %q: a %T is not a string, Secret, bool or integer", name, v)
		}
		pc.params[name] = s
	}
	return pc, nil
}

// sortPolicies sorts by Index, keeping the given order for equal indexes.
func sortPolicies(ps []*Policy) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Index < ps[j-1].Index; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// hasPolicies reports whether requests of op have policies to apply.
func (c *Client) hasPolicies(op *Operation) bool {
	return len(c.pol.global) > 0 || len(op.Policies) > 0
}

// eachPolicy calls f for the connector-wide policies and op's, merged by
// Index (both lists are in Index order), without allocating.
func (c *Client) eachPolicy(op *Operation, f func(*Policy) error) error {
	g, o := c.pol.global, op.Policies
	for len(g) > 0 || len(o) > 0 {
		var p *Policy
		if len(o) == 0 || (len(g) > 0 && g[0].Index <= o[0].Index) {
			p, g = g[0], g[1:]
		} else {
			p, o = o[0], o[1:]
		}
		if p == nil {
			continue
		}
		if err := f(p); err != nil {
			return err
		}
	}
	return nil
}

// connParam returns the value of a connection parameter: by exact name,
// then case-insensitively.
func (pc *policyConfig) connParam(name string) (string, bool) {
	if v, ok := pc.params[name]; ok {
		return v, true
	}
	for k, v := range pc.params {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
