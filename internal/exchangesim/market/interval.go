package market

import "time"

// Millisecond lengths of the fixed-width units the simulator aligns to.
const (
	msSecond = int64(1000)
	msMinute = 60 * msSecond
	msHour   = 60 * msMinute
	msDay    = 24 * msHour
	msWeek   = 7 * msDay
	// 1970-01-01 was a Thursday; Binance's weeks start on Monday 00:00 UTC,
	// which is four days after the epoch.
	msWeekOffset = 4 * msDay
)

// interval is one of Binance's kline intervals, described by how its buckets
// are aligned. Calendar months have no fixed width and are handled apart.
type interval struct {
	name   string
	width  int64 // bucket width in ms; 0 for calendar months
	offset int64 // bucket boundaries are offset + k*width ms since the epoch
	months bool
	source tierIndex // the stored tier the interval is aggregated from
}

// intervals is Binance's kline interval table (read-only).
var intervals = [...]interval{
	{name: "1s", width: msSecond, source: tierSecond},
	{name: "1m", width: msMinute, source: tierMinute},
	{name: "3m", width: 3 * msMinute, source: tierMinute},
	{name: "5m", width: 5 * msMinute, source: tierMinute},
	{name: "15m", width: 15 * msMinute, source: tierMinute},
	{name: "30m", width: 30 * msMinute, source: tierMinute},
	{name: "1h", width: msHour, source: tierHour},
	{name: "2h", width: 2 * msHour, source: tierHour},
	{name: "4h", width: 4 * msHour, source: tierHour},
	{name: "6h", width: 6 * msHour, source: tierHour},
	{name: "8h", width: 8 * msHour, source: tierHour},
	{name: "12h", width: 12 * msHour, source: tierHour},
	{name: "1d", width: msDay, source: tierDay},
	// Binance aligns 3-day klines to the epoch, not to weeks or months.
	{name: "3d", width: 3 * msDay, source: tierDay},
	{name: "1w", width: msWeek, offset: msWeekOffset, source: tierDay},
	{name: "1M", months: true, source: tierDay},
}

// lookupInterval returns Binance's definition of a kline interval name.
func lookupInterval(name string) (interval, bool) {
	for _, iv := range intervals {
		if iv.name == name {
			return iv, true
		}
	}
	return interval{}, false
}

// IntervalNames lists every kline interval name, shortest first.
func IntervalNames() []string {
	names := make([]string, len(intervals))
	for i, iv := range intervals {
		names[i] = iv.name
	}
	return names
}

// ValidInterval reports whether interval is one of Binance's kline intervals:
// 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M (case-sensitive, as on
// Binance, where "1m" is a minute and "1M" a month).
func ValidInterval(interval string) bool {
	_, ok := lookupInterval(interval)
	return ok
}

// floor returns the open time of the bucket that contains ms.
func (iv interval) floor(ms int64) int64 {
	if iv.months {
		t := time.UnixMilli(ms).UTC()
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	return floorDiv(ms-iv.offset, iv.width)*iv.width + iv.offset
}

// ceil returns the open time of the first bucket that opens at or after ms.
func (iv interval) ceil(ms int64) int64 {
	b := iv.floor(ms)
	if b < ms {
		return iv.next(b)
	}
	return b
}

// next returns the open time of the bucket after the one opening at open.
func (iv interval) next(open int64) int64 {
	if iv.months {
		t := time.UnixMilli(open).UTC()
		return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	return open + iv.width
}

// prev returns the open time of the bucket before the one opening at open.
func (iv interval) prev(open int64) int64 {
	if iv.months {
		t := time.UnixMilli(open).UTC()
		return time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	return open - iv.width
}

// floorDiv is integer division rounding towards negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ceilDiv is integer division rounding towards positive infinity.
func ceilDiv(a, b int64) int64 {
	return -floorDiv(-a, b)
}
