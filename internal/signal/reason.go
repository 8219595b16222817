package signal

import "strconv"

// reasonKind says how a reason is spelled.
type reasonKind uint8

const (
	// reasonText is a reason given as text (WithReason); the zero reason
	// is the empty text.
	reasonText reasonKind = iota
	// reasonSMACross and reasonEMACross: "SMA(9) 101.5 crossed above
	// SMA(21) 101.2", from the periods p and the averages v[0], v[1].
	reasonSMACross
	reasonEMACross
	// reasonRSI: "RSI(14) 29.41 fell below 30" (BUY) or "RSI(14) 70.52
	// rose above 70" (SELL), from the period p[0], the RSI v[0] and the
	// level crossed v[1].
	reasonRSI
	// reasonBollinger: "close 95 fell below the lower band 96.1 (SMA(20)
	// 100, 2 std dev)" (BUY, "rose above the upper band" for SELL), from
	// the close v[0], the band v[1], the middle band v[2], the multiplier
	// v[3] and the period p[0].
	reasonBollinger
)

// reason is what a Signal's reason text is made of: a kind and the few
// numbers it shows, kept inline. Strategies fill it when a signal fires
// and Signal.Reason spells it on demand.
//
// The text is built lazily because most signals are never read: they fall
// below a resource's minConfidence or are superseded in the store before
// anyone looks. Formatting the numbers and allocating the string was most
// of the cost of building a signal, and so a large share of a Set's
// update; the ingredients cost a few stores. The same ingredients always
// give the same text, byte for byte, so when it is spelled makes no
// difference to what is shown.
//
// A reason is comparable, so a Signal still is.
type reason struct {
	text string     // for reasonText
	v    [4]float64 // the values shown, by kind
	p    [2]uint16  // the periods shown (at most MaxPeriod), by kind
	kind reasonKind
}

// textReason is a reason given as text.
func textReason(text string) reason { return reason{text: text} }

// Reason says why the signal fired, in a few words, with the indicator
// values, such as "SMA(9) 101.5 crossed above SMA(21) 101.2". It is
// spelled on each call from values the signal keeps (see reason), so a
// caller that shows it more than once may keep the string.
func (s Signal) Reason() string {
	r := &s.reason
	if r.kind == reasonText {
		return r.text
	}
	var buf [128]byte
	return string(r.append(buf[:0], s.Side))
}

// WithReason returns s with its reason replaced by text, for signals built
// by hand (tests, replays); strategies keep their reasons' values instead.
func (s Signal) WithReason(text string) Signal {
	s.reason = textReason(text)
	return s
}

// append appends the text of r, a reason of a signal of side, to b.
func (r *reason) append(b []byte, side Side) []byte {
	switch r.kind {
	case reasonSMACross, reasonEMACross:
		name := "SMA("
		if r.kind == reasonEMACross {
			name = "EMA("
		}
		dir := " crossed above "
		if side != Buy {
			dir = " crossed below "
		}
		b = appendPeriod(append(b, name...), r.p[0])
		b = appendNum(b, r.v[0])
		b = append(b, dir...)
		b = appendPeriod(append(b, name...), r.p[1])
		return appendNum(b, r.v[1])
	case reasonRSI:
		b = appendPeriod(append(b, "RSI("...), r.p[0])
		b = appendFloat2(b, r.v[0])
		if side == Buy {
			b = append(b, " fell below "...)
		} else {
			b = append(b, " rose above "...)
		}
		return appendParam(b, r.v[1])
	case reasonBollinger:
		b = appendNum(append(b, "close "...), r.v[0])
		if side == Buy {
			b = append(b, " fell below the lower band "...)
		} else {
			b = append(b, " rose above the upper band "...)
		}
		b = appendNum(b, r.v[1])
		b = appendPeriod(append(b, " (SMA("...), r.p[0])
		b = appendNum(b, r.v[2])
		b = appendParam(append(b, ", "...), r.v[3])
		return append(b, " std dev)"...)
	}
	return append(b, r.text...)
}

// appendPeriod appends a period and the ") " that closes its name.
func appendPeriod(b []byte, p uint16) []byte {
	return append(strconv.AppendUint(b, uint64(p), 10), ") "...)
}
