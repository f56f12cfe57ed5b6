package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"strings"
)

// Store looks up the connection parameter values of a named connection
// (the credentials and settings a user entered when creating a connection
// on the platform).
type Store interface {
	Lookup(ctx context.Context, connection string) (Values, error)
}

// StoreWriter is implemented by stores that can save connection values:
// [FileStore] does; [EnvStore] is read-only (a token refreshed from
// environment variables is kept in memory only). `connectorgen login` saves
// connections through it, and an [OAuth] token writes refreshed tokens back.
type StoreWriter interface {
	// Update sets the given parameters of connection, creating the
	// connection when it does not exist; an empty value removes the
	// parameter. Other parameters and connections are kept.
	Update(ctx context.Context, connection string, vals Values) error
}

// ParamLookup may be implemented by a [Store] that cannot list a
// connection's parameters but can fetch named ones, like [EnvStore].
// [LookupConnection], which generated code calls, uses it when available,
// passing the connector's connection parameter names.
type ParamLookup interface {
	LookupParams(ctx context.Context, connection string, params []string) (Values, error)
}

// ErrConnectionNotFound is returned, wrapped with the connection name,
// when a store has no values for a connection.
var ErrConnectionNotFound = errors.New("connection not found")

// Values maps connection parameter names to values.
type Values map[string]string

// Get returns the value of the named parameter. When there is no exact
// match it also accepts a key equal ignoring case, or equal after the
// normalisation EnvStore applies (so Get("token:TenantId") finds the key
// "token_tenantid" that EnvStore.Lookup produces).
func (v Values) Get(name string) (string, bool) {
	if s, ok := v[name]; ok {
		return s, true
	}
	for k, s := range v {
		if strings.EqualFold(k, name) {
			return s, true
		}
	}
	norm := envPart(name)
	for k, s := range v {
		if envPart(k) == norm {
			return s, true
		}
	}
	return "", false
}

// EnvStore reads connection values from environment variables named
// PREFIX_CONN_PARAM, where CONN and PARAM are the connection and parameter
// names upper-cased with every run of characters other than ASCII letters
// and digits replaced by "_": parameter "token:TenantId" of connection
// "my github" is CONNECTORGEN_MY_GITHUB_TOKEN_TENANTID.
//
// Parameter names cannot be recovered from variable names, so generated
// code asks an EnvStore for the parameters it knows ([EnvStore.LookupParams],
// via [LookupConnection]); Lookup returns every matching variable keyed by the
// lower-cased PARAM part. A connection whose name followed by "_" starts
// another connection's name ("my" and "my github") sees that connection's
// variables in Lookup; LookupParams has no such ambiguity.
type EnvStore struct {
	// Prefix starts every variable name; "" means "CONNECTORGEN".
	Prefix string
}

func (s EnvStore) prefix(connection string) string {
	p := s.Prefix
	if p == "" {
		p = "CONNECTORGEN"
	}
	return p + "_" + envPart(connection) + "_"
}

// VarName returns the environment variable that holds param of connection.
func (s EnvStore) VarName(connection, param string) string {
	return s.prefix(connection) + envPart(param)
}

// Lookup returns all variables of the connection, keyed by the lower-cased
// parameter part of their names. No variable at all is
// ErrConnectionNotFound.
func (s EnvStore) Lookup(ctx context.Context, connection string) (Values, error) {
	p := s.prefix(connection)
	vals := Values{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if len(k) > len(p) && envNameHasPrefix(k, p) {
			vals[strings.ToLower(k[len(p):])] = v
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("connection %q: no %s* environment variables: %w", connection, p, ErrConnectionNotFound)
	}
	return vals, nil
}

// LookupParams returns the values of the named parameters that have a
// variable, keyed by the names as given. No variable at all is
// ErrConnectionNotFound; callers check for individual missing parameters.
func (s EnvStore) LookupParams(ctx context.Context, connection string, params []string) (Values, error) {
	vals := Values{}
	for _, name := range params {
		if v, ok := os.LookupEnv(s.VarName(connection, name)); ok {
			vals[name] = v
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("connection %q: none of %s is set: %w", connection, s.varList(connection, params), ErrConnectionNotFound)
	}
	return vals, nil
}

func (s EnvStore) varList(connection string, params []string) string {
	if len(params) == 0 {
		return "(no parameters)"
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = s.VarName(connection, p)
	}
	return strings.Join(names, ", ")
}

// envNameHasPrefix compares environment variable names the way the
// operating system does (ignoring case on Windows).
func envNameHasPrefix(name, prefix string) bool {
	if goruntime.GOOS == "windows" {
		return strings.EqualFold(name[:len(prefix)], prefix)
	}
	return strings.HasPrefix(name, prefix)
}

// envPart upper-cases s and replaces every run of characters other than
// ASCII letters and digits by one "_".
func envPart(s string) string {
	var b strings.Builder
	run := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b.WriteByte(c)
		default:
			if !run {
				b.WriteByte('_')
			}
			run = true
			continue
		}
		run = false
	}
	return b.String()
}

// WithDefaults returns a copy of v in which every parameter of defs that
// has no value (or an empty one) takes its default (the connector's
// defaultValue). Generated ConnectionFromStore functions call it.
func (v Values) WithDefaults(defs map[string]string) Values {
	out := make(Values, len(v)+len(defs))
	for k, s := range v {
		out[k] = s
	}
	for k, d := range defs {
		if out[k] == "" {
			out[k] = d
		}
	}
	return out
}

// ParameterSet returns the connection parameter set that the connection
// uses: the value of [ParameterSetKey], matched against sets ignoring case.
// Without a value, a connector with one set uses it; otherwise the error
// lists the sets. Generated ConnectionFromStore functions call it.
func (v Values) ParameterSet(connection string, sets ...string) (string, error) {
	name := strings.TrimSpace(v[ParameterSetKey])
	if name == "" && len(sets) == 1 {
		return sets[0], nil
	}
	for _, s := range sets {
		if strings.EqualFold(s, name) {
			return s, nil
		}
	}
	what := "no"
	if name != "" {
		what = "unknown"
	}
	return "", fmt.Errorf("connection %q: %s parameter set %q: set %s to one of %s", connection, what, name, ParameterSetKey, strings.Join(sets, ", "))
}
