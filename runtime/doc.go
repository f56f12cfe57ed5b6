// Package runtime supports the typed clients that connectorgen generates for
// Power Platform connectors, and the `connectorgen call` command.
//
// Generated code describes each connector operation as plain data (an
// [Operation] with its [Param] list) and calls [Client.Do] with one [Arg]
// per parameter. The runtime builds the HTTP request (path escaping, query
// and header serialisation, JSON/form/multipart/raw bodies, defaults of
// internal parameters), attaches credentials through an [Authorizer], runs
// the request through middleware with retries, logs it with log/slog
// without secrets, and decodes the response.
//
// For polling triggers, [Client.Poll] performs one poll of the platform's
// protocol (202 = nothing new, 200 = events, Location = the next poll URL,
// Retry-After) through the same request path, and [NextPollDelay] applies
// the platform's timing rules.
//
// For pageable operations (x-ms-pageable), [Client.Pages] and [PageItems]
// follow next links through the same request path, so every page carries
// the connection's credentials and policies. [DynamicValues] and
// [DynamicSchema] make the calls the designer makes for dynamic metadata.
// [WithScript] installs a Go [Script] where a connector's C# custom code
// would run.
//
// # Stability
//
// Everything exported here is API for generated code and is kept stable
// within a major version: identifiers are added, never removed or renamed,
// and the meaning of existing fields and functions does not change. That
// covers the operation description ([Operation], [Param], [In],
// [Collection], [BodyKind], [ResultKind]), the argument constructors
// ([String], [Int], [JSON], [File], ...), the value types used in generated
// models ([Opt], [DateTime], [Date], [Secret]), the client ([Client],
// [Option], [RetryPolicy], [Middleware]), authorization ([Authorizer],
// [APIKey], [Basic], [Bearer], [Chain]), errors ([Error], [DecodeError],
// [UnauthenticatedError]), policy templates ([Policy], [WithPolicies],
// [WithConnectionParameters]) and credential stores ([Store], [EnvStore],
// [FileStore]). Unexported
// details, log message texts and the exact wording of error strings are not
// part of the contract; use errors.As and errors.Is instead of matching text.
//
// Generated packages also compile in a [VersionCheck] against [APIVersion]
// and [MinAPIVersion], so a runtime too old or too new for the generated
// code fails the build.
//
// Connections: [OAuth] is a connection's OAuth 2.0 token (refreshed before
// it expires, one refresh shared by concurrent requests, written back to a
// [StoreWriter]); [OAuthFlow] signs a user in (authorization code with
// PKCE, device code, client credentials) for the identity providers of
// [OAuthSettings].
//
// The package imports only the standard library and golang.org/x/oauth2; it
// never reflects over caller values itself (JSON encoding is left to
// encoding/json).
package runtime
