// Package expr parses and evaluates the expression language of Power
// Platform connector policy templates: the string values of
// apiProperties.json policyTemplateInstances
// ("x-ms-apimTemplateParameter.*") and of the pollingtrigger policy
// (triggerConfig values, triggerDataPath).
//
// It is the single evaluator used by both sides: the generator calls [Parse]
// at generation time to report unsupported or misspelt expressions and to
// check the names a template reads ([Template.Refs]); the runtime evaluates
// the parsed [Template] per request against an [Env].
//
// # Syntax
//
// A template is text with embedded expressions:
//
//	template    = { text | "@" expr | "@{" expr "}" | "{@" expr "}" | "{" name "}" }
//	expr        = call | "Request.OriginalHTTPMethod"
//	call        = function "(" [ string [ "," string ] ] ")" [ path ]
//	function    = connectionParameters | headers | header | queryParameters
//	            | body | item | triggerBody          (names match case-insensitively)
//	path        = { [ "?" ] "." key | [ "?" ] "[" ( index | string ) "]" }   (body, item, triggerBody only)
//	key         = [A-Za-z_$][A-Za-z0-9_$]*
//	string      = "'" { any byte except "'" | "''" } "'"
//	name        = [A-Za-z0-9_.$-]+
//
// Blanks are allowed around arguments and inside "@{ … }" but not between a
// function name and its "(".
//
//   - connectionParameters('name'[, 'default']) (also spelled
//     ConnectionParameters; names like 'token:TenantId' are plain names),
//     headers/header('name'[, 'default']) and queryParameters('name'[,
//     'default']) read one value. The misspelling queryParamters (found in
//     the corpus) is accepted with a [Diagnostic].
//   - body(), item(), triggerBody() read a JSON document and may be followed
//     by a path: .a, [0], ['@odata.etag'], and the null-safe ?.a and ?['a'].
//     Only these three take a path: in https://@connectionParameters('sub').alisqi.com
//     the ".alisqi.com" is text.
//   - Request.OriginalHTTPMethod is the method of the incoming request.
//   - "@expr" ends where the expression's grammar ends; the rest is text
//     ("@headers('test')moo", "moo@headers('test')").
//   - "@{expr}" interpolates (the result is always text); "{@expr}" is the
//     form of setproperty value templates ("[{@body().payments}]").
//   - "{name}" is an operation path-parameter placeholder (newPath,
//     parameterValueUrl). It is kept as its own part: [Template.Eval] replaces
//     it with [Env.PathParam] when that reports a value and leaves "{name}"
//     unchanged otherwise, so a caller may substitute it later. "{" followed by
//     anything else ('"', a blank, "}") is text, so JSON text stays text.
//   - A template that starts with body(, item( or triggerBody( without "@"
//     (setproperty paths in the corpus, e.g. Blackbaud's "body()") is read as
//     an expression, with a [Diagnostic]. When what follows does not parse
//     ("item(s) per page") it stays text, also with a [Diagnostic].
//
// # Literal "@"
//
// An "@" starts an expression only when it is followed by "{" or by a name
// and "(" (or by Request.OriginalHTTPMethod). Every other "@" is text:
// a lone "@" (Planner's stringreplace sourceString), "a@b.com", "@odata.nextLink",
// "['@odata.id']", "%40@connectionParameters('u')" (the "%40" is text),
// "@@id@@". There is no escape sequence; none is used in the corpus.
// The cases that look like a mistake are not silent:
//
//   - "@name(" with an unknown name is an error ("unknown function 'foo'");
//   - a known function name without "(" ("@body.a", "@headers") is kept as
//     text with a [Diagnostic];
//   - "@Request." followed by anything but OriginalHTTPMethod is an error.
//
// # Evaluation
//
//   - connectionParameters: a parameter that is absent (or empty) yields the
//     default when there is one (an empty default yields ""); absent without
//     a default is a [*MissingParameterError] naming the parameter; set to ""
//     without a default yields "".
//   - headers/queryParameters: absent (or empty) yields the default when
//     there is one; absent without a default yields "" (what API Management's
//     GetValueOrDefault does; the platform's behaviour is UNCONFIRMED).
//   - body paths: the platform fails when any segment is null, so a null or
//     missing segment (or a null/absent document) is a [*NullError] naming
//     the path up to that segment ("body().a.b is null"). A "?" accessor
//     turns a null container or a missing/null property of that one step into
//     null instead; a later step without "?" on that null fails again, as in
//     Logic Apps expressions. An index out of range counts as missing. A
//     step of the wrong kind (a key on an array, an index on an object, any
//     step on a string) is a [*TypeError].
//   - Eval renders values as text: strings raw, numbers as encoding/json
//     formats them, booleans "true"/"false", null "", objects and arrays as
//     compact JSON (object keys sorted, HTML characters not escaped).
//   - EvalValue returns the JSON value itself when the template is exactly
//     one "@expr" or "{@expr}" (so "@body().people" yields the array), and
//     the text otherwise ("@{expr}" always yields text).
//
// # Use
//
// Parse once, evaluate many times ([Template] is immutable). [Template.Eval]
// renders text; [Template.EvalEscaped] escapes only the substituted values
// (url.PathEscape for newPath); [Template.EvalValue] keeps JSON values;
// [Template.SingleRef] exposes the one expression of path-like parameters
// (triggerDataPath, newPropertyPath, parameterTemplate) so a caller can also
// write to that location; [ParsePath] reads property sub-paths such as
// "['@odata.id']"; [MapEnv] is a map-backed [Env].
//
// Error messages name parameters, headers and paths but never contain a
// value read from the [Env], so connection parameter values (often secrets)
// never reach an error string.
package expr
