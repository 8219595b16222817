package recording

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Point is one InfluxDB point. Writers encode it at once and keep only the
// encoded line, so a caller may reuse a Point (and its slices) after Write.
// Most callers build points with the schema helpers (PricePoint, KlinePoint,
// ...) rather than by hand.
type Point struct {
	Measurement string
	// Tags with an empty value are left out, as InfluxDB would store them.
	Tags   []Tag
	Fields []Field
	// Time of the point, written with nanosecond precision. Points of one
	// series (measurement and tags) with the same Time replace each other,
	// which makes re-sending a batch harmless. The zero Time means "when
	// Write is called".
	Time time.Time
}

// Tag is a point's indexed key and value.
type Tag struct {
	Key, Value string
}

// Field is a point's value. Build one with Float, Int, String or Bool.
type Field struct {
	Key   string
	kind  fieldKind
	num   uint64 // float64 bits, int64 or bool as 0/1
	value string
}

type fieldKind uint8

const (
	kindFloat fieldKind = iota + 1
	kindInt
	kindString
	kindBool
)

// Float returns a float field. NaN and infinities cannot be stored and make
// the point invalid.
func Float(key string, v float64) Field {
	return Field{Key: key, kind: kindFloat, num: math.Float64bits(v)}
}

// Int returns an integer field.
func Int(key string, v int64) Field {
	return Field{Key: key, kind: kindInt, num: uint64(v)}
}

// String returns a string field. It must not contain line breaks. (Names:
// measurements, tag keys and values, field keys, must not contain line
// breaks or backslashes either.)
func String(key, v string) Field {
	return Field{Key: key, kind: kindString, value: v}
}

// Bool returns a boolean field.
func Bool(key string, v bool) Field {
	f := Field{Key: key, kind: kindBool}
	if v {
		f.num = 1
	}
	return f
}

// Value returns the field's value as a float64, int64, string or bool (nil
// for the zero Field).
func (f Field) Value() any {
	switch f.kind {
	case kindFloat:
		return math.Float64frombits(f.num)
	case kindInt:
		return int64(f.num)
	case kindString:
		return f.value
	case kindBool:
		return f.num == 1
	}
	return nil
}

// TypeName is the field's InfluxDB type: "float", "integer", "string" or
// "boolean".
func (f Field) TypeName() string {
	switch f.kind {
	case kindFloat:
		return "float"
	case kindInt:
		return "integer"
	case kindString:
		return "string"
	case kindBool:
		return "boolean"
	}
	return "invalid"
}

// Validate reports why p cannot be written, or nil. Write counts an invalid
// point as dropped; Validate lets tests and callers find out why.
func (p *Point) Validate() error {
	_, err := appendLine(nil, p, time.Unix(0, 0))
	return err
}

// Errors that make a point invalid.
var (
	errNoMeasurement = errors.New("point has no measurement")
	errNoFields      = errors.New("point has no fields")
)

func checkName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty", what)
	case strings.ContainsAny(s, "\n\r"):
		return fmt.Errorf("%s %q contains a line break", what, s)
	case strings.Contains(s, `\`):
		return fmt.Errorf("%s %q contains a backslash", what, s)
	}
	return nil
}
