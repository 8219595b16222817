package marketdata

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// decodeKlineFast decodes a kline payload as Binance and the simulator
// write it — one object of known keys, no whitespace, no escapes — without
// encoding/json. A closed kline's message is where every signal's latency
// starts, and after a second of other work encoding/json's reflection code
// and type data are out of cache: it took some 40 µs a kline, this a few.
// It reports false for anything else (another key, whitespace, an escape,
// null, a value of another type, a number in another form), which
// decodeEvent then hands to encoding/json, so the two never disagree on
// what a message means.
func decodeKlineFast(name StreamName, data []byte) (Event, bool) {
	s := scanner{b: data}
	var eventTime int64
	var k *Kline
	ok := s.object(func(key string) bool {
		switch key {
		case "e", "s":
			_, ok := s.str()
			return ok
		case "E":
			var ok bool
			eventTime, ok = s.int()
			return ok
		case "k":
			if k != nil {
				return false // encoding/json would merge the two
			}
			k = &Kline{Symbol: name.Symbol, Interval: name.Interval}
			return s.object(func(key string) bool { return s.klineField(key, k) })
		}
		return false
	})
	if !ok || s.i != len(s.b) || k == nil || k.OpenTime.IsZero() {
		return Event{}, false
	}
	return Event{Symbol: name.Symbol, Kind: name.Kind, Kline: k, EventTime: millis(eventTime)}, true
}

// scanner reads the JSON subset decodeKlineFast accepts.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object reads {"key":value,...}, calling field for each key with the
// scanner at its value; field reads the value and reports whether it could.
func (s *scanner) object(field func(key string) bool) bool {
	if !s.next('{') {
		return false
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') || !field(string(key)) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// str reads a string of printable ASCII without escapes; the result
// aliases the message.
func (s *scanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c < 0x20 || c == '\\' || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// int reads an integer as JSON writes one: no plus sign, no leading zero,
// no fraction or exponent.
func (s *scanner) int() (int64, bool) {
	start := s.i
	s.next('-')
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || (s.b[digits] == '0' && s.i > digits+1) {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return v, err == nil
}

func (s *scanner) bool() (bool, bool) {
	rest := s.b[s.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}

// decimal reads a string holding a decimal into dst; an empty one makes
// it zero, as decodeEvent's decimals.parse does.
func (s *scanner) decimal(dst *decimal.Decimal) bool {
	b, ok := s.str()
	if !ok {
		return false
	}
	if len(b) == 0 {
		*dst = decimal.Decimal{}
		return true
	}
	if v, ok := parseDecimal(b); ok {
		*dst = v
		return true
	}
	v, err := decimal.NewFromString(string(b))
	*dst = v
	return err == nil
}

// klineField reads the value of key of the "k" object into k.
func (s *scanner) klineField(key string, k *Kline) bool {
	var ok bool
	switch key {
	case "t", "T":
		var ms int64
		if ms, ok = s.int(); ok {
			if key == "t" {
				k.OpenTime = millis(ms)
			} else {
				k.CloseTime = millis(ms)
			}
		}
	case "f":
		k.FirstTradeID, ok = s.int()
	case "L":
		k.LastTradeID, ok = s.int()
	case "n":
		k.Trades, ok = s.int()
	case "x":
		k.Closed, ok = s.bool()
	case "s", "i", "B":
		_, ok = s.str()
	case "o":
		ok = s.decimal(&k.Open)
	case "c":
		ok = s.decimal(&k.Close)
	case "h":
		ok = s.decimal(&k.High)
	case "l":
		ok = s.decimal(&k.Low)
	case "v":
		ok = s.decimal(&k.Volume)
	case "q":
		ok = s.decimal(&k.QuoteVolume)
	case "V":
		ok = s.decimal(&k.TakerBuyBaseVolume)
	case "Q":
		ok = s.decimal(&k.TakerBuyQuoteVolume)
	}
	return ok
}

// parseDecimal parses the common form of a price or quantity, an optional
// minus, digits and optionally a point and more digits, 18 digits at most,
// into what decimal.NewFromString gives for it; false for anything else.
func parseDecimal(b []byte) (decimal.Decimal, bool) {
	i, neg := 0, false
	if b[0] == '-' {
		i, neg = 1, true
	}
	var v int64
	var n, frac int
	point := false
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
			n++
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return decimal.Decimal{}, false
		}
	}
	if n == 0 || n > 18 || (point && (frac == 0 || frac == n)) {
		return decimal.Decimal{}, false
	}
	if neg {
		v = -v
	}
	return decimal.New(v, int32(-frac)), true
}
