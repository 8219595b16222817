package recording

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// appendLine appends p in InfluxDB line protocol, ending with '\n', to dst.
// A zero p.Time is replaced by now. On error dst is returned unchanged.
//
// The encoder appends into the caller's buffer and never allocates for a
// valid point, which is why it is ours rather than the client's: encoding
// runs on the trading goroutines. Every line has exactly one '\n' (line
// breaks are refused everywhere), so the buffer can be cut into points by
// searching for '\n'.
func appendLine(dst []byte, p *Point, now time.Time) ([]byte, error) {
	start := len(dst)
	fail := func(err error) ([]byte, error) { return dst[:start], err }
	var ok bool

	if p.Measurement == "" {
		return fail(errNoMeasurement)
	}
	if p.Measurement[0] == '#' {
		return fail(fmt.Errorf("measurement %q starts with '#', which line protocol reads as a comment", p.Measurement))
	}
	if dst, ok = appendName(dst, p.Measurement, escapeMeasurement); !ok {
		return fail(checkName("measurement", p.Measurement))
	}

	for i := range p.Tags {
		t := &p.Tags[i]
		if t.Value == "" {
			continue
		}
		dst = append(dst, ',')
		if dst, ok = appendName(dst, t.Key, escapeKey); !ok {
			return fail(checkName("tag key", t.Key))
		}
		dst = append(dst, '=')
		if dst, ok = appendName(dst, t.Value, escapeKey); !ok {
			return fail(fmt.Errorf("tag %s: %w", t.Key, checkName("tag value", t.Value)))
		}
	}

	if len(p.Fields) == 0 {
		return fail(errNoFields)
	}
	for i := range p.Fields {
		f := &p.Fields[i]
		if i == 0 {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, ',')
		}
		if dst, ok = appendName(dst, f.Key, escapeKey); !ok {
			return fail(checkName("field key", f.Key))
		}
		dst = append(dst, '=')
		switch f.kind {
		case kindFloat:
			v := math.Float64frombits(f.num)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fail(fmt.Errorf("field %s: %v cannot be stored", f.Key, v))
			}
			dst = strconv.AppendFloat(dst, v, 'g', -1, 64)
		case kindInt:
			dst = strconv.AppendInt(dst, int64(f.num), 10)
			dst = append(dst, 'i')
		case kindString:
			dst = append(dst, '"')
			if dst, ok = appendStringValue(dst, f.value); !ok {
				return fail(fmt.Errorf("field %s: string contains a line break", f.Key))
			}
			dst = append(dst, '"')
		case kindBool:
			if f.num == 1 {
				dst = append(dst, 't')
			} else {
				dst = append(dst, 'f')
			}
		default:
			return fail(fmt.Errorf("field %s has no value (build fields with Float, Int, String or Bool)", f.Key))
		}
	}

	t := p.Time
	if t.IsZero() {
		t = now
	}
	// Nanoseconds since 1970 must fit an int64: years 1678 to 2261.
	if sec := t.Unix(); sec <= math.MinInt64/int64(time.Second) || sec >= math.MaxInt64/int64(time.Second) {
		return fail(fmt.Errorf("time %s is outside what InfluxDB can store", t.Format(time.RFC3339)))
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, t.UnixNano(), 10)
	return append(dst, '\n'), nil
}

// appendName appends a measurement, tag key or value, or field key,
// escaped for its part of the line. It returns false, and the caller asks
// checkName why, if s is empty or holds a line break or a backslash (which
// InfluxDB 1.x reads as an escape in front of some characters and as
// itself in front of others). Validation and escaping share one pass: this
// is the encoder's hottest loop.
func appendName(dst []byte, s string, m escapeMode) ([]byte, bool) {
	if s == "" {
		return dst, false
	}
	plain := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > '=' && c != '\\' {
			continue // of the bytes that matter, only '\\' sorts above '='
		}
		switch {
		case c == '\n' || c == '\r' || c == '\\':
			return dst, false
		case needsEscape(c, m):
			dst = append(dst, s[plain:i]...)
			dst = append(dst, '\\', c)
			plain = i + 1
		}
	}
	return append(dst, s[plain:]...), true
}

// appendStringValue appends a string field's value, escaped; false if it
// holds a line break.
func appendStringValue(dst []byte, s string) ([]byte, bool) {
	plain := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n', '\r':
			return dst, false
		case '"', '\\':
			dst = append(dst, s[plain:i]...)
			dst = append(dst, '\\', c)
			plain = i + 1
		}
	}
	return append(dst, s[plain:]...), true
}

// escapeMode names a part of a line; each part escapes its own characters.
type escapeMode uint8

const (
	escapeMeasurement escapeMode = iota // commas and spaces
	escapeKey                           // tag keys and values, field keys: commas, '=' and spaces
)

func needsEscape(c byte, m escapeMode) bool {
	switch m {
	case escapeMeasurement:
		return c == ',' || c == ' '
	default:
		return c == ',' || c == '=' || c == ' '
	}
}
