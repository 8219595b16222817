package exchangesim

import (
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

func (s *Simulator) handlePing(*reqCtx) (any, *apierr.Error) { return struct{}{}, nil }

func (s *Simulator) handleTime(*reqCtx) (any, *apierr.Error) {
	return struct {
		ServerTime int64 `json:"serverTime"`
	}{s.serverNow().UnixMilli()}, nil
}

func (s *Simulator) handleExchangeInfo(rc *reqCtx) (any, *apierr.Error) {
	names, _, err := s.selectSymbols(rc.p)
	if err != nil {
		return nil, err
	}
	out := exchangeInfoJSON{
		Timezone:        "UTC",
		ServerTime:      s.serverNow().UnixMilli(),
		RateLimits:      s.limiter.Limits().RateLimits(),
		ExchangeFilters: []any{},
		Symbols:         make([]*symbolInfoJSON, 0, len(names)),
	}
	for _, n := range names {
		out.Symbols = append(out.Symbols, s.info.symbols[n])
	}
	return out, nil
}

// selectSymbols reads symbol or symbols: one named symbol (single), a JSON
// list, or every symbol when neither is sent. Unknown names are -1121.
func (s *Simulator) selectSymbols(p *params) (names []string, single bool, err *apierr.Error) {
	hasOne, hasList := p.has("symbol"), p.has("symbols")
	switch {
	case hasOne && hasList:
		return nil, false, apierr.New(http.StatusBadRequest, codeInvalidParamCombo, "Combination of optional parameters invalid.")
	case hasOne:
		name, err := p.mandatory("symbol")
		if err != nil {
			return nil, false, err
		}
		if _, ok := s.info.symbols[name]; !ok {
			return nil, false, apierr.InvalidSymbol()
		}
		return []string{name}, true, nil
	case hasList:
		list, ok := parseSymbolList(p.get("symbols"))
		if !ok || len(list) == 0 {
			return nil, false, missingParam("symbols")
		}
		seen := make(map[string]bool, len(list))
		for _, n := range list {
			if _, ok := s.info.symbols[n]; !ok {
				return nil, false, apierr.InvalidSymbol()
			}
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
		return names, false, nil
	default:
		return s.info.order, false, nil
	}
}

// oneSymbol reads the mandatory symbol parameter of a known symbol.
func (s *Simulator) oneSymbol(p *params) (string, *apierr.Error) {
	name, err := p.mandatory("symbol")
	if err != nil {
		return "", err
	}
	if _, ok := s.info.symbols[name]; !ok {
		return "", apierr.InvalidSymbol()
	}
	return name, nil
}

// singleOrList answers with the object itself for symbol=X and with an
// array otherwise, as Binance does.
func singleOrList[T any](items []T, single bool) any {
	if single && len(items) == 1 {
		return items[0]
	}
	return items
}

type priceJSON struct {
	Symbol string `json:"symbol"`
	Price  string `json:"price"`
}

func (s *Simulator) handleTickerPrice(rc *reqCtx) (any, *apierr.Error) {
	names, single, err := s.selectSymbols(rc.p)
	if err != nil {
		return nil, err
	}
	out := make([]priceJSON, 0, len(names))
	for _, n := range names {
		price, _ := s.market.Price(n)
		out = append(out, priceJSON{Symbol: n, Price: num(price)})
	}
	return singleOrList(out, single), nil
}

type bookTickerJSON struct {
	Symbol   string `json:"symbol"`
	BidPrice string `json:"bidPrice"`
	BidQty   string `json:"bidQty"`
	AskPrice string `json:"askPrice"`
	AskQty   string `json:"askQty"`
}

func (s *Simulator) handleBookTicker(rc *reqCtx) (any, *apierr.Error) {
	names, single, err := s.selectSymbols(rc.p)
	if err != nil {
		return nil, err
	}
	out := make([]bookTickerJSON, 0, len(names))
	for _, n := range names {
		bid, bidQty, ask, askQty, err := s.engine.BookTicker(n)
		if err != nil {
			return nil, asAPIError(err)
		}
		out = append(out, bookTickerJSON{Symbol: n, BidPrice: num(bid), BidQty: num(bidQty), AskPrice: num(ask), AskQty: num(askQty)})
	}
	return singleOrList(out, single), nil
}

// ticker24hJSON is the FULL form of GET /api/v3/ticker/24hr; the MINI form
// leaves out the fields tagged omitempty.
type ticker24hJSON struct {
	Symbol             string `json:"symbol"`
	PriceChange        string `json:"priceChange,omitempty"`
	PriceChangePercent string `json:"priceChangePercent,omitempty"`
	WeightedAvgPrice   string `json:"weightedAvgPrice,omitempty"`
	PrevClosePrice     string `json:"prevClosePrice,omitempty"`
	LastPrice          string `json:"lastPrice"`
	LastQty            string `json:"lastQty,omitempty"`
	BidPrice           string `json:"bidPrice,omitempty"`
	BidQty             string `json:"bidQty,omitempty"`
	AskPrice           string `json:"askPrice,omitempty"`
	AskQty             string `json:"askQty,omitempty"`
	OpenPrice          string `json:"openPrice"`
	HighPrice          string `json:"highPrice"`
	LowPrice           string `json:"lowPrice"`
	Volume             string `json:"volume"`
	QuoteVolume        string `json:"quoteVolume"`
	OpenTime           int64  `json:"openTime"`
	CloseTime          int64  `json:"closeTime"`
	FirstID            int64  `json:"firstId"`
	LastID             int64  `json:"lastId"`
	Count              int64  `json:"count"`
}

func (s *Simulator) handleTicker24h(rc *reqCtx) (any, *apierr.Error) {
	names, single, err := s.selectSymbols(rc.p)
	if err != nil {
		return nil, err
	}
	mini := rc.p.get("type") == "MINI"
	out := make([]ticker24hJSON, 0, len(names))
	for _, n := range names {
		t, terr := s.market.Ticker24h(n)
		if terr != nil {
			return nil, asAPIError(terr)
		}
		j := ticker24hJSON{
			Symbol: n, LastPrice: num(t.LastPrice), OpenPrice: num(t.OpenPrice), HighPrice: num(t.HighPrice),
			LowPrice: num(t.LowPrice), Volume: num(t.Volume), QuoteVolume: num(t.QuoteVolume),
			OpenTime: ms(t.OpenTime), CloseTime: ms(t.CloseTime), FirstID: t.FirstID, LastID: t.LastID, Count: t.Count,
		}
		if !mini {
			bid, bidQty, ask, askQty, berr := s.engine.BookTicker(n)
			if berr != nil {
				return nil, asAPIError(berr)
			}
			j.PriceChange = num(t.PriceChange)
			j.PriceChangePercent = t.PriceChangePercent.StringFixed(3)
			j.WeightedAvgPrice = num(t.WeightedAvgPrice)
			j.PrevClosePrice = num(t.PrevClosePrice)
			j.LastQty = num(t.LastQty)
			j.BidPrice, j.BidQty, j.AskPrice, j.AskQty = num(bid), num(bidQty), num(ask), num(askQty)
		}
		out = append(out, j)
	}
	return singleOrList(out, single), nil
}

type avgPriceJSON struct {
	Mins      int    `json:"mins"`
	Price     string `json:"price"`
	CloseTime int64  `json:"closeTime"`
}

// handleAvgPrice is the volume-weighted price of the last 5 minutes.
func (s *Simulator) handleAvgPrice(rc *reqCtx) (any, *apierr.Error) {
	name, err := s.oneSymbol(rc.p)
	if err != nil {
		return nil, err
	}
	klines, kerr := s.market.Klines(name, "1m", time.Time{}, time.Time{}, avgPriceMins)
	last, _ := s.market.Price(name)
	if kerr != nil {
		return nil, asAPIError(kerr)
	}
	var vol, quote decimal.Decimal
	closeTime := int64(0)
	for _, k := range klines {
		vol, quote = vol.Add(k.Volume), quote.Add(k.QuoteVolume)
		closeTime = ms(k.CloseTime)
	}
	avg := last
	if vol.IsPositive() {
		spec, _ := s.engine.Symbol(name)
		avg = quote.DivRound(vol, int32(spec.QuoteAssetPrecision))
	}
	return avgPriceJSON{Mins: avgPriceMins, Price: num(avg), CloseTime: closeTime}, nil
}

// klineRow is one kline as Binance sends it: an array of 12 items.
func klineRow(k market.Kline) []any {
	return []any{
		ms(k.OpenTime), num(k.Open), num(k.High), num(k.Low), num(k.Close), num(k.Volume),
		ms(k.CloseTime), num(k.QuoteVolume), k.TradeCount, num(k.TakerBuyBaseVolume), num(k.TakerBuyQuoteVolume), "0",
	}
}

func (s *Simulator) handleKlines(rc *reqCtx) (any, *apierr.Error) {
	name, err := s.oneSymbol(rc.p)
	if err != nil {
		return nil, err
	}
	interval, err := rc.p.mandatory("interval")
	if err != nil {
		return nil, err
	}
	start, err := rc.p.int64Param("startTime")
	if err != nil {
		return nil, err
	}
	end, err := rc.p.int64Param("endTime")
	if err != nil {
		return nil, err
	}
	limit, err := rc.p.int64Param("limit")
	if err != nil {
		return nil, err
	}
	klines, kerr := s.market.Klines(name, interval, fromMs(start), fromMs(end), clampLimit(limit))
	if kerr != nil {
		return nil, asAPIError(kerr)
	}
	rows := make([][]any, len(klines))
	for i, k := range klines {
		rows[i] = klineRow(k)
	}
	return rows, nil
}

type depthJSON struct {
	LastUpdateID int64       `json:"lastUpdateId"`
	Bids         [][2]string `json:"bids"`
	Asks         [][2]string `json:"asks"`
}

func (s *Simulator) handleDepth(rc *reqCtx) (any, *apierr.Error) {
	name, err := s.oneSymbol(rc.p)
	if err != nil {
		return nil, err
	}
	d, derr := s.engine.Depth(name, depthLimit(rc.p))
	if derr != nil {
		return nil, asAPIError(derr)
	}
	out := depthJSON{LastUpdateID: d.LastUpdateID, Bids: make([][2]string, len(d.Bids)), Asks: make([][2]string, len(d.Asks))}
	for i, l := range d.Bids {
		out.Bids[i] = [2]string{num(l.Price), num(l.Qty)}
	}
	for i, l := range d.Asks {
		out.Asks[i] = [2]string{num(l.Price), num(l.Qty)}
	}
	return out, nil
}

type tradeJSON struct {
	ID           int64  `json:"id"`
	Price        string `json:"price"`
	Qty          string `json:"qty"`
	QuoteQty     string `json:"quoteQty"`
	Time         int64  `json:"time"`
	IsBuyerMaker bool   `json:"isBuyerMaker"`
	IsBestMatch  bool   `json:"isBestMatch"`
}

func (s *Simulator) handleTrades(rc *reqCtx) (any, *apierr.Error) {
	name, err := s.oneSymbol(rc.p)
	if err != nil {
		return nil, err
	}
	limit, err := rc.p.int64Param("limit")
	if err != nil {
		return nil, err
	}
	trades, terr := s.market.RecentTrades(name, clampLimit(limit))
	if terr != nil {
		return nil, asAPIError(terr)
	}
	out := make([]tradeJSON, len(trades))
	for i, t := range trades {
		out[i] = tradeJSON{ID: t.ID, Price: num(t.Price), Qty: num(t.Qty), QuoteQty: num(t.Price.Mul(t.Qty)),
			Time: ms(t.Time), IsBuyerMaker: t.BuyerIsMaker, IsBestMatch: true}
	}
	return out, nil
}
