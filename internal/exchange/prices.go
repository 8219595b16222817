package exchange

import (
	"context"
	"slices"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

// Request weights of the ticker endpoints.
const (
	weightPriceOne    = 2 // ticker/price?symbol=X
	weightPriceList   = 4 // ticker/price?symbols=[…], any length
	weightTicker24h20 = 2 // ticker/24hr for 1 to 20 symbols
	ticker24hChunk    = 20
)

// Prices returns the last price of every symbol. Concurrent callers on the
// endpoint share requests (see CallPolicy.BatchWait and BatchMax): many bots
// asking for prices cost one ticker/price?symbols=[…] request of weight 4,
// and a price fetched in the last PriceTTL is served from the cache.
// Symbols the exchange does not list are refused before any request.
func (e *Endpoint) Prices(ctx context.Context, p CallPolicy, symbols []string) (map[string]decimal.Decimal, error) {
	p = p.withDefaults()
	symbols = uniqueSymbols(symbols)
	if len(symbols) == 0 {
		return map[string]decimal.Decimal{}, nil
	}
	if err := e.checkSymbols(ctx, p, e.prices.path, symbols); err != nil {
		return nil, err
	}
	return e.prices.get(ctx, p, symbols)
}

func newPriceCoalescer(e *Endpoint) *coalescer[decimal.Decimal] {
	return newCoalescer(e, "/api/v3/ticker/price", 0, e.fetchPrices)
}

func (e *Endpoint) fetchPrices(ctx context.Context, p CallPolicy, symbols []string) (map[string]decimal.Decimal, error) {
	const path = "/api/v3/ticker/price"
	weight := weightPriceList
	if len(symbols) == 1 {
		weight = weightPriceOne
	}
	var raw []*binance.SymbolPrice
	err := e.Do(ctx, p, Call{Path: path, Weight: weight, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			s := c.NewListPricesService()
			if len(symbols) == 1 {
				s = s.Symbol(symbols[0])
			} else {
				s = s.Symbols(symbols)
			}
			var err error
			raw, err = s.Do(ctx)
			return err
		}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]decimal.Decimal, len(raw))
	var d decimals
	for _, sp := range raw {
		out[sp.Symbol] = d.parse("price of "+sp.Symbol, sp.Price)
	}
	if d.err != nil {
		return nil, badResponse(path, d.err)
	}
	return out, nil
}

// Ticker24h is a symbol's rolling 24-hour statistics.
type Ticker24h struct {
	Symbol                          string
	LastPrice                       decimal.Decimal
	PriceChange, PriceChangePercent decimal.Decimal
	WeightedAvgPrice                decimal.Decimal
	OpenPrice, HighPrice, LowPrice  decimal.Decimal
	Volume, QuoteVolume             decimal.Decimal
	OpenTime, CloseTime             time.Time
	Trades                          int64
}

// Tickers24h returns every symbol's 24-hour ticker, coalesced like Prices
// into requests of at most 20 symbols (weight 2 each).
func (e *Endpoint) Tickers24h(ctx context.Context, p CallPolicy, symbols []string) (map[string]Ticker24h, error) {
	p = p.withDefaults()
	symbols = uniqueSymbols(symbols)
	if len(symbols) == 0 {
		return map[string]Ticker24h{}, nil
	}
	if err := e.checkSymbols(ctx, p, e.tickers.path, symbols); err != nil {
		return nil, err
	}
	return e.tickers.get(ctx, p, symbols)
}

func newTickerCoalescer(e *Endpoint) *coalescer[Ticker24h] {
	return newCoalescer(e, "/api/v3/ticker/24hr", ticker24hChunk, e.fetchTickers24h)
}

func (e *Endpoint) fetchTickers24h(ctx context.Context, p CallPolicy, symbols []string) (map[string]Ticker24h, error) {
	const path = "/api/v3/ticker/24hr"
	var raw []*binance.PriceChangeStats
	err := e.Do(ctx, p, Call{Path: path, Weight: weightTicker24h20, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			raw, err = c.NewListPriceChangeStatsService().Symbols(symbols).Do(ctx)
			return err
		}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Ticker24h, len(raw))
	var d decimals
	for _, t := range raw {
		out[t.Symbol] = Ticker24h{
			Symbol:             t.Symbol,
			LastPrice:          d.parse("lastPrice", t.LastPrice),
			PriceChange:        d.parse("priceChange", t.PriceChange),
			PriceChangePercent: d.parse("priceChangePercent", t.PriceChangePercent),
			WeightedAvgPrice:   d.parse("weightedAvgPrice", t.WeightedAvgPrice),
			OpenPrice:          d.parse("openPrice", t.OpenPrice),
			HighPrice:          d.parse("highPrice", t.HighPrice),
			LowPrice:           d.parse("lowPrice", t.LowPrice),
			Volume:             d.parse("volume", t.Volume),
			QuoteVolume:        d.parse("quoteVolume", t.QuoteVolume),
			OpenTime:           time.UnixMilli(t.OpenTime).UTC(),
			CloseTime:          time.UnixMilli(t.CloseTime).UTC(),
			Trades:             t.Count,
		}
	}
	if d.err != nil {
		return nil, badResponse(path, d.err)
	}
	return out, nil
}

// uniqueSymbols returns symbols sorted, without duplicates.
func uniqueSymbols(symbols []string) []string {
	out := slices.Clone(symbols)
	slices.Sort(out)
	return slices.Compact(out)
}
