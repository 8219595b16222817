package market

import (
	"slices"
	"time"
)

// Klines returns the symbol's klines of an interval with Binance's
// semantics: klines whose open time is in [start, end] (a zero time is
// unset); with a start, the oldest limit klines from it; without, the
// newest limit klines up to end (or up to now). limit defaults to 500 and
// is capped at 1000. The result is oldest first and ends with the open
// kline (Closed=false) when the range reaches now.
//
// Intervals of a minute or more are aggregated from stored bars (see the
// package doc); a bucket is only returned while all its stored data is, so
// a returned closed kline never changes. Intervals that need more history
// than is kept start later, like a young listing's.
func (m *Market) Klines(symbol, interval string, start, end time.Time, limit int) ([]Kline, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, err := m.lookup(symbol)
	if err != nil {
		return nil, err
	}
	iv, ok := lookupInterval(interval)
	if !ok {
		return nil, errInvalidInterval()
	}
	limit = clampLimit(limit)
	t := &s.tiers[iv.source]
	if !t.active {
		return []Kline{}, nil
	}
	first := iv.floor(t.firstOpenMs())
	if !t.complete(first) {
		first = iv.next(first)
	}
	last := iv.floor(t.cur.openMs)
	var opens []int64
	if !start.IsZero() {
		for b := max(iv.ceil(start.UnixMilli()), first); b <= last && len(opens) < limit; b = iv.next(b) {
			if !end.IsZero() && b > end.UnixMilli() {
				break
			}
			opens = append(opens, b)
		}
	} else {
		b := last
		if !end.IsZero() {
			b = min(b, iv.floor(end.UnixMilli()))
		}
		for ; b >= first && len(opens) < limit; b = iv.prev(b) {
			opens = append(opens, b)
		}
		slices.Reverse(opens)
	}
	out := make([]Kline, 0, len(opens))
	for _, open := range opens {
		if agg, ok := t.aggregate(open, iv.next(open)); ok {
			out = append(out, s.kline(agg, iv, open < last))
		}
	}
	return out, nil
}

// CurrentKline returns the open kline of an interval: the one containing
// the symbol's clock.
func (m *Market) CurrentKline(symbol, interval string) (Kline, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, err := m.lookup(symbol)
	if err != nil {
		return Kline{}, err
	}
	iv, ok := lookupInterval(interval)
	if !ok {
		return Kline{}, errInvalidInterval()
	}
	t := &s.tiers[iv.source]
	open := iv.floor(floorDiv(s.clockNs, nsMs))
	agg, ok := t.aggregate(open, iv.next(open))
	if !ok { // the tier restarts at the next trade: show the price so far
		agg = flatBar(open, s.lastTicks)
	}
	return s.kline(agg, iv, false), nil
}

// kline converts an aggregated bar to a Kline.
func (s *symbol) kline(b bar, iv interval, closed bool) Kline {
	return Kline{
		OpenTime:            time.UnixMilli(b.openMs).UTC(),
		CloseTime:           time.UnixMilli(iv.next(b.openMs) - 1).UTC(),
		Open:                s.price(b.open),
		High:                s.price(b.high),
		Low:                 s.price(b.low),
		Close:               s.price(b.close),
		Volume:              s.stepU.ofU128(b.volume),
		QuoteVolume:         s.quoteU.ofU128(b.quote),
		TakerBuyBaseVolume:  s.stepU.ofU128(b.takerBuyVolume),
		TakerBuyQuoteVolume: s.quoteU.ofU128(b.takerBuyQuote),
		TradeCount:          b.trades,
		FirstTradeID:        b.firstID,
		LastTradeID:         b.lastID,
		Closed:              closed,
	}
}
