package runtime

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// LookupConnection reads the parameters params of the connection called name
// from store. Stores that cannot list a connection's parameters by
// themselves (EnvStore) implement ParamLookup and are asked for exactly
// these names. Generated ConnectionFromStore functions call it.
func LookupConnection(ctx context.Context, store Store, name string, params ...string) (Values, error) {
	if pl, ok := store.(ParamLookup); ok {
		return pl.LookupParams(ctx, name, params)
	}
	return store.Lookup(ctx, name)
}

// Require returns an error naming every parameter of params that has no
// value in v (connection is the connection's name, for the message).
func (v Values) Require(connection string, params ...string) error {
	var missing []string
	for _, p := range params {
		if v[p] == "" {
			missing = append(missing, strconv.Quote(p))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("connection %q: missing required parameter %s", connection, strings.Join(missing, ", "))
}

// Int parses the integer parameter param ("" is 0).
func (v Values) Int(connection, param string) (int64, error) {
	s := strings.TrimSpace(v[param])
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("connection %q: parameter %q: %q is not an integer", connection, param, s)
	}
	return n, nil
}

// Bool parses the boolean parameter param ("" is false).
func (v Values) Bool(connection, param string) (bool, error) {
	s := strings.TrimSpace(v[param])
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("connection %q: parameter %q: %q is not a boolean", connection, param, s)
	}
	return b, nil
}
