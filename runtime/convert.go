package runtime

// Generic conversions used by generated code to turn typed parameter values
// (including named enum and date types) into Args without reflection.

// StringOf is String for any string type (enums, DateTime, Date).
func StringOf[T ~string](v T) Arg { return String(string(v)) }

// IntOf is Int for any integer type.
func IntOf[T ~int | ~int8 | ~int16 | ~int32 | ~int64](v T) Arg { return Int(int64(v)) }

// FloatOf is Float for any floating-point type.
func FloatOf[T ~float32 | ~float64](v T) Arg { return Float(float64(v)) }

// BoolOf is Bool for any boolean type.
func BoolOf[T ~bool](v T) Arg { return Bool(bool(v)) }

// StringsOf is Strings for slices of any string type. A nil slice is "not given".
func StringsOf[T ~string](v []T) Arg {
	if v == nil {
		return Arg{}
	}
	ss := make([]string, len(v))
	for i, s := range v {
		ss[i] = string(s)
	}
	return Strings(ss)
}

// IntsOf is Ints for slices of any integer type. A nil slice is "not given".
func IntsOf[T ~int | ~int8 | ~int16 | ~int32 | ~int64](v []T) Arg {
	if v == nil {
		return Arg{}
	}
	out := make([]int64, len(v))
	for i, n := range v {
		out[i] = int64(n)
	}
	return Ints(out)
}

// FloatsOf is Floats for slices of any floating-point type. A nil slice is "not given".
func FloatsOf[T ~float32 | ~float64](v []T) Arg {
	if v == nil {
		return Arg{}
	}
	out := make([]float64, len(v))
	for i, n := range v {
		out[i] = float64(n)
	}
	return Floats(out)
}

// BoolsOf is Bools for slices of any boolean type. A nil slice is "not given".
func BoolsOf[T ~bool](v []T) Arg {
	if v == nil {
		return Arg{}
	}
	out := make([]bool, len(v))
	for i, b := range v {
		out[i] = bool(b)
	}
	return Bools(out)
}

// OptString is StringOf for an optional value: unset gives "not given".
func OptString[T ~string](o Opt[T]) Arg {
	if !o.Set {
		return Arg{}
	}
	return String(string(o.V))
}

// OptInt is IntOf for an optional value: unset gives "not given".
func OptInt[T ~int | ~int8 | ~int16 | ~int32 | ~int64](o Opt[T]) Arg {
	if !o.Set {
		return Arg{}
	}
	return Int(int64(o.V))
}

// OptFloat is FloatOf for an optional value: unset gives "not given".
func OptFloat[T ~float32 | ~float64](o Opt[T]) Arg {
	if !o.Set {
		return Arg{}
	}
	return Float(float64(o.V))
}

// OptBool is BoolOf for an optional value: unset gives "not given".
func OptBool[T ~bool](o Opt[T]) Arg {
	if !o.Set {
		return Arg{}
	}
	return Bool(bool(o.V))
}
