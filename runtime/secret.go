package runtime

import (
	"fmt"
	"log/slog"
)

const redacted = "[REDACTED]"

// Secret is a credential value (API key, password, token). It prints as
// "[REDACTED]" with every fmt verb and in log/slog records; [Secret.Reveal]
// returns the text. JSON encoding is deliberately not redacted, because
// credential stores need to write the value.
//
// fmt cannot call methods on unexported struct fields, so a Secret held in
// an unexported field of a struct printed with %v is shown verbatim; keep
// such fields exported or never print the struct.
type Secret string

// Reveal returns the secret text.
func (s Secret) Reveal() string { return string(s) }

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]" (the %#v form).
func (s Secret) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb (quoted for %q).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, `"`+redacted+`"`)
		return
	}
	fmt.Fprint(f, redacted)
}

// LogValue makes log/slog record "[REDACTED]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
