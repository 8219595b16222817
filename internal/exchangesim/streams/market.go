package streams

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

// BookSource gives the best bid and ask of a symbol (the matching engine).
type BookSource interface {
	BookTicker(symbol string) (bid, bidQty, ask, askQty decimal.Decimal, err error)
}

// PublishMarket turns one market step into events for every stream of
// u.Symbol that has subscribers: a trade and an aggTrade event per trade, the
// open kline of each subscribed interval (preceded by the previous kline with
// x=true when a new one has opened), the 24 h ticker and mini ticker, and
// the book ticker. Event times are the step's time. book may be nil, in
// which case bookTicker is not published and tickers show a zero book.
func (s *Server) PublishMarket(u market.Update, m *market.Market, book BookSource) {
	if s.stalled.Load() || m == nil {
		return // nothing would be sent
	}
	lower := strings.ToLower(u.Symbol)
	var buf []byte // Publish copies, so one buffer serves every event

	if stream := lower + "@trade"; s.Subscribed(stream) {
		for _, t := range u.Trades {
			buf = appendTradeEvent(buf[:0], u.Symbol, t, u.Time)
			s.Publish(stream, buf)
		}
	}
	if stream := lower + "@aggTrade"; s.Subscribed(stream) {
		for _, t := range u.Trades {
			buf = appendAggTradeEvent(buf[:0], u.Symbol, t, u.Time)
			s.Publish(stream, buf)
		}
	}
	buf = s.publishKlines(buf, lower, u, m)

	tickerStream, miniStream, bookStream := lower+"@ticker", lower+"@miniTicker", lower+"@bookTicker"
	wantTicker, wantMini, wantBook := s.Subscribed(tickerStream), s.Subscribed(miniStream), s.Subscribed(bookStream)
	var top bookTop
	haveBook := false
	if book != nil && (wantTicker || wantBook) {
		var err error
		top.bid, top.bidQty, top.ask, top.askQty, err = book.BookTicker(u.Symbol)
		haveBook = err == nil
	}
	if wantTicker || wantMini {
		if t, err := m.Ticker24h(u.Symbol); err == nil {
			if wantTicker {
				buf = appendTickerEvent(buf[:0], t, top, u.Time)
				s.Publish(tickerStream, buf)
			}
			if wantMini {
				buf = appendMiniTickerEvent(buf[:0], t, u.Time)
				s.Publish(miniStream, buf)
			}
		}
	}
	if wantBook && haveBook {
		buf = appendBookTickerEvent(buf[:0], u.Symbol, s.bookSeq.Add(1), top)
		s.Publish(bookStream, buf)
	}
}

// publishKlines publishes the open kline of every subscribed interval. When
// the open kline is newer than the one last published on that stream, the
// previous one is published first, final (x=true), as Binance does when a
// kline closes.
func (s *Server) publishKlines(buf []byte, lower string, u market.Update, m *market.Market) []byte {
	for _, iv := range s.intervals {
		stream := lower + "@kline_" + iv
		if !s.Subscribed(stream) {
			s.forgetKline(stream) // a later subscriber starts afresh
			continue
		}
		k, err := m.CurrentKline(u.Symbol, iv)
		if err != nil {
			continue
		}
		if prev, ok := s.swapKlineOpen(stream, k.OpenTime); ok && prev.Before(k.OpenTime) {
			if done, err := m.Klines(u.Symbol, iv, prev, prev, 1); err == nil && len(done) == 1 && done[0].OpenTime.Equal(prev) {
				buf = appendKlineEvent(buf[:0], u.Symbol, iv, done[0], true, u.Time)
				s.Publish(stream, buf)
			}
		}
		buf = appendKlineEvent(buf[:0], u.Symbol, iv, k, false, u.Time)
		s.Publish(stream, buf)
	}
	return buf
}

func (s *Server) swapKlineOpen(stream string, open time.Time) (prev time.Time, ok bool) {
	s.klineMu.Lock()
	defer s.klineMu.Unlock()
	prev, ok = s.klineOpen[stream]
	s.klineOpen[stream] = open
	return prev, ok
}

func (s *Server) forgetKline(stream string) {
	s.klineMu.Lock()
	delete(s.klineOpen, stream)
	s.klineMu.Unlock()
}
