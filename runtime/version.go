package runtime

// VersionCheck is the type of the compile-time version handshake emitted into
// every generated package (doc_gen.go):
//
//	const (
//		_ = runtime.VersionCheck(runtime.APIVersion - 1) // runtime older than the code
//		_ = runtime.VersionCheck(1 - runtime.MinAPIVersion) // code older than the runtime supports
//	)
//
// A negative constant converted to an unsigned type does not compile, so a
// generated package and a runtime that do not fit together fail the build
// instead of misbehaving.
type VersionCheck uint

const (
	// APIVersion is raised whenever generated code starts using new runtime API.
	// 2: policy templates (Policy, Operation.Policies, WithPolicies,
	// WithConnectionParameters).
	// 3: connections (OAuth, NewOAuth, OAuthSettings, OAuthKeys, StaticToken,
	// Values.ParameterSet, Values.WithDefaults, ErrGateway, Unusable).
	// 4: paging, dynamic metadata and custom code (Paging, PageItems,
	// Client.Pages, Choice, ValueList, DynamicValues, DynamicSchema,
	// Script, ScriptContext, WithScript).
	APIVersion = 4
	// MinAPIVersion is the oldest generated code this runtime still supports.
	MinAPIVersion = 1
)
