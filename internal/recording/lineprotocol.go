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

	if p.Measurement == "" {
		return fail(errNoMeasurement)
	}
	if err := checkName("measurement", p.Measurement); err != nil {
		return fail(err)
	}
	if p.Measurement[0] == '#' {
		return fail(fmt.Errorf("measurement %q starts with '#', which line protocol reads as a comment", p.Measurement))
	}
	dst = appendEscaped(dst, p.Measurement, escapeMeasurement)

	for i := range p.Tags {
		t := &p.Tags[i]
		if t.Value == "" {
			continue
		}
		if err := checkName("tag key", t.Key); err != nil {
			return fail(err)
		}
		if err := checkName("tag value", t.Value); err != nil {
			return fail(fmt.Errorf("tag %s: %w", t.Key, err))
		}
		dst = append(dst, ',')
		dst = appendEscaped(dst, t.Key, escapeKey)
		dst = append(dst, '=')
		dst = appendEscaped(dst, t.Value, escapeKey)
	}

	if len(p.Fields) == 0 {
		return fail(errNoFields)
	}
	for i := range p.Fields {
		f := &p.Fields[i]
		if err := checkName("field key", f.Key); err != nil {
			return fail(err)
		}
		if i == 0 {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, ',')
		}
		dst = appendEscaped(dst, f.Key, escapeKey)
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
			for j := 0; j < len(f.value); j++ {
				if c := f.value[j]; c == '\n' || c == '\r' {
					return fail(fmt.Errorf("field %s: string contains a line break", f.Key))
				}
			}
			dst = append(dst, '"')
			dst = appendEscaped(dst, f.value, escapeString)
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
	if t.Year() < 1678 || t.Year() > 2261 {
		return fail(fmt.Errorf("time %s is outside what InfluxDB can store", t.Format(time.RFC3339)))
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, t.UnixNano(), 10)
	return append(dst, '\n'), nil
}

// escapeMode names a part of a line; each part escapes its own characters.
type escapeMode uint8

const (
	escapeMeasurement escapeMode = iota // commas and spaces
	escapeKey                           // tag keys and values, field keys: commas, '=' and spaces
	escapeString                        // string field values: '"' and '\\'
)

func needsEscape(c byte, m escapeMode) bool {
	switch m {
	case escapeMeasurement:
		return c == ',' || c == ' '
	case escapeKey:
		return c == ',' || c == '=' || c == ' '
	default:
		return c == '"' || c == '\\'
	}
}

func appendEscaped(dst []byte, s string, m escapeMode) []byte {
	plain := 0
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i], m) {
			dst = append(dst, s[plain:i]...)
			dst = append(dst, '\\', s[i])
			plain = i + 1
		}
	}
	return append(dst, s[plain:]...)
}
