// Package klineinterval knows Binance's kline intervals on the client side:
// their names, their widths and how their klines are aligned, so that the
// market-data hub and the exchange layer step through klines the same way.
// (The exchange simulator keeps its own table: it plays the exchange.)
package klineinterval

import "time"

// Interval is one of Binance's kline intervals, described by how its
// klines are aligned: width apart from offset after the Unix epoch, or on
// the first of each calendar month. The zero Interval is none: its steps
// do not move.
type Interval struct {
	width  time.Duration
	offset time.Duration
	months bool
}

// Parse returns one of Binance's kline intervals by name (case-sensitive:
// "1m" is a minute, "1M" a month). 3-day klines are aligned to the epoch;
// weeks start on Monday, four days after it.
func Parse(name string) (Interval, bool) {
	const d = 24 * time.Hour
	switch name {
	case "1s":
		return Interval{width: time.Second}, true
	case "1m":
		return Interval{width: time.Minute}, true
	case "3m":
		return Interval{width: 3 * time.Minute}, true
	case "5m":
		return Interval{width: 5 * time.Minute}, true
	case "15m":
		return Interval{width: 15 * time.Minute}, true
	case "30m":
		return Interval{width: 30 * time.Minute}, true
	case "1h":
		return Interval{width: time.Hour}, true
	case "2h":
		return Interval{width: 2 * time.Hour}, true
	case "4h":
		return Interval{width: 4 * time.Hour}, true
	case "6h":
		return Interval{width: 6 * time.Hour}, true
	case "8h":
		return Interval{width: 8 * time.Hour}, true
	case "12h":
		return Interval{width: 12 * time.Hour}, true
	case "1d":
		return Interval{width: d}, true
	case "3d":
		return Interval{width: 3 * d}, true
	case "1w":
		return Interval{width: 7 * d, offset: 4 * d}, true
	case "1M":
		return Interval{months: true}, true
	}
	return Interval{}, false
}

// Width is the interval's fixed width; fixed is false for calendar months
// (and for the zero Interval).
func (iv Interval) Width() (width time.Duration, fixed bool) {
	return iv.width, iv.width > 0
}

// Open is the open time of the kline that holds t.
func (iv Interval) Open(t time.Time) time.Time {
	t = t.UTC()
	if iv.months {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	if iv.width <= 0 {
		return t
	}
	ms, w := t.UnixMilli()-iv.offset.Milliseconds(), iv.width.Milliseconds()
	q := ms / w
	if ms%w < 0 {
		q-- // floor for times before the epoch
	}
	return time.UnixMilli(q*w + iv.offset.Milliseconds()).UTC()
}

// Prev is the open time of the kline before the one opening at open.
func (iv Interval) Prev(open time.Time) time.Time {
	if iv.months {
		return open.UTC().AddDate(0, -1, 0)
	}
	return open.Add(-iv.width)
}

// Next is the open time of the kline after the one opening at open.
func (iv Interval) Next(open time.Time) time.Time {
	if iv.months {
		return open.UTC().AddDate(0, 1, 0)
	}
	return open.Add(iv.width)
}
