package exchange

import "time"

// klineInterval is one of Binance's kline intervals, described by how its
// klines are aligned: width apart from offset after the Unix epoch, or on
// the first of each calendar month.
type klineInterval struct {
	width  time.Duration
	offset time.Duration
	months bool
}

// lookupKlineInterval returns one of Binance's kline intervals by name
// (case-sensitive: "1m" is a minute, "1M" a month). 3-day klines are
// aligned to the epoch; weeks start on Monday, four days after it.
func lookupKlineInterval(name string) (klineInterval, bool) {
	const d = 24 * time.Hour
	switch name {
	case "1s":
		return klineInterval{width: time.Second}, true
	case "1m":
		return klineInterval{width: time.Minute}, true
	case "3m":
		return klineInterval{width: 3 * time.Minute}, true
	case "5m":
		return klineInterval{width: 5 * time.Minute}, true
	case "15m":
		return klineInterval{width: 15 * time.Minute}, true
	case "30m":
		return klineInterval{width: 30 * time.Minute}, true
	case "1h":
		return klineInterval{width: time.Hour}, true
	case "2h":
		return klineInterval{width: 2 * time.Hour}, true
	case "4h":
		return klineInterval{width: 4 * time.Hour}, true
	case "6h":
		return klineInterval{width: 6 * time.Hour}, true
	case "8h":
		return klineInterval{width: 8 * time.Hour}, true
	case "12h":
		return klineInterval{width: 12 * time.Hour}, true
	case "1d":
		return klineInterval{width: d}, true
	case "3d":
		return klineInterval{width: 3 * d}, true
	case "1w":
		return klineInterval{width: 7 * d, offset: 4 * d}, true
	case "1M":
		return klineInterval{months: true}, true
	}
	return klineInterval{}, false
}

// open is the open time of the kline that holds t.
func (iv klineInterval) open(t time.Time) time.Time {
	t = t.UTC()
	if iv.months {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	ms, w := t.UnixMilli()-iv.offset.Milliseconds(), iv.width.Milliseconds()
	q := ms / w
	if ms%w < 0 {
		q-- // floor for times before the epoch
	}
	return time.UnixMilli(q*w + iv.offset.Milliseconds()).UTC()
}

// prev is the open time of the kline before the one opening at open.
func (iv klineInterval) prev(open time.Time) time.Time {
	if iv.months {
		return open.AddDate(0, -1, 0)
	}
	return open.Add(-iv.width)
}

// next is the open time of the kline after the one opening at open.
func (iv klineInterval) next(open time.Time) time.Time {
	if iv.months {
		return open.AddDate(0, 1, 0)
	}
	return open.Add(iv.width)
}
