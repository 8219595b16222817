package market

import (
	"time"

	"github.com/shopspring/decimal"
)

// Ticker24h returns the symbol's rolling 24 h statistics, ending at its
// clock (the latest Advance or SetPrice).
//
// The window is made of whole 1m bars: it starts at the open of the minute
// that contains now-24h, so it spans up to 59.999 s more than 24 h, as
// Binance documents for its rolling windows. OpenPrice and PrevClosePrice
// are the last price before the window; WeightedAvgPrice is rounded to
// whole ticks; PriceChangePercent has 3 decimals. Without trades in the
// window, FirstID and LastID are -1.
func (m *Market) Ticker24h(symbol string) (Ticker24h, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, err := m.lookup(symbol)
	if err != nil {
		return Ticker24h{}, err
	}
	nowMs := floorDiv(s.clockNs, nsMs)
	t := &s.tiers[tierMinute]
	from := max(floorDiv(nowMs-msDay, msMinute)*msMinute, t.firstOpenMs())
	agg, ok := t.aggregate(from, t.cur.openMs+msMinute)
	if !ok {
		agg = flatBar(from, s.lastTicks)
	}
	open, last := s.price(agg.open), s.price(s.lastTicks)
	volume, quote := s.stepU.ofU128(agg.volume), s.quoteU.ofU128(agg.quote)
	tk := Ticker24h{
		Symbol:         s.p.Symbol,
		PriceChange:    last.Sub(open),
		PrevClosePrice: open,
		LastPrice:      last,
		OpenPrice:      open,
		HighPrice:      s.price(agg.high),
		LowPrice:       s.price(agg.low),
		Volume:         volume,
		QuoteVolume:    quote,
		OpenTime:       time.UnixMilli(from).UTC(),
		CloseTime:      time.UnixMilli(nowMs).UTC(),
		FirstID:        agg.firstID,
		LastID:         agg.lastID,
		Count:          agg.trades,
	}
	tk.PriceChangePercent = tk.PriceChange.Mul(decimal.NewFromInt(100)).DivRound(open, 3)
	if volume.IsPositive() {
		tk.WeightedAvgPrice = quote.Div(volume).Div(s.tick).Round(0).Mul(s.tick)
	}
	if lt, ok := s.trades.last(); ok {
		tk.LastQty = s.qty(lt.steps)
	}
	return tk, nil
}
