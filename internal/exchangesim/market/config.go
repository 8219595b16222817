package market

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"
)

// SymbolParams is the price model of one symbol.
type SymbolParams struct {
	Symbol     string
	StartPrice decimal.Decimal // the price at the start time (ignored for replayed symbols)
	// TickSize and StepSize round prices and trade quantities; they should
	// equal the symbol's PRICE_FILTER tickSize and LOT_SIZE stepSize.
	TickSize, StepSize decimal.Decimal
	Volatility         float64 // annualised sigma of the GBM, e.g. 0.6
	Drift              float64 // annualised mu, e.g. 0
	// MeanTradeQty is the typical trade size in base asset; zero means
	// 100 steps.
	MeanTradeQty decimal.Decimal
}

// Config configures a Market.
type Config struct {
	Seed int64
	// Tick is the simulated time between price steps: 1ms to 1h, default 1s.
	Tick    time.Duration
	Symbols []SymbolParams
	// History is generated before the start time so klines and 24 h
	// tickers exist at once: default 24h, at most MaxHistory.
	History time.Duration
	// Replay maps a symbol (which must also be in Symbols) to klines whose
	// prices it replays instead of the GBM; see ParseReplayCSV.
	Replay map[string][]Kline
}

// Defaults and bounds of Config.
const (
	DefaultTick    = time.Second
	DefaultHistory = 24 * time.Hour
	MinTick        = time.Millisecond
	MaxTick        = time.Hour
	MaxHistory     = KeepDayBars * 24 * time.Hour
)

// Bounds that keep every price and quantity far from integer overflow.
const (
	maxPriceTicks    = int64(1e15) // a price is at most 10^15 ticks
	maxMeanTradeStep = 1e12        // MeanTradeQty is at most 10^12 steps
)

// Kline is one candlestick. Prices are multiples of the symbol's tick,
// volumes of its step. A kline without trades has TradeCount 0 and
// FirstTradeID = LastTradeID = -1.
type Kline struct {
	OpenTime, CloseTime time.Time // CloseTime = next OpenTime - 1ms
	Open, High, Low, Close, Volume, QuoteVolume,
	TakerBuyBaseVolume, TakerBuyQuoteVolume decimal.Decimal
	TradeCount                int64
	FirstTradeID, LastTradeID int64
	Closed                    bool
}

// Ticker24h is the rolling 24 h statistics of a symbol (see Ticker24h).
type Ticker24h struct {
	Symbol                                            string
	PriceChange, PriceChangePercent, WeightedAvgPrice decimal.Decimal
	PrevClosePrice, LastPrice, LastQty, OpenPrice     decimal.Decimal
	HighPrice, LowPrice, Volume, QuoteVolume          decimal.Decimal
	OpenTime, CloseTime                               time.Time
	FirstID, LastID, Count                            int64
}

// Update reports one price step of one symbol: its trades, oldest first,
// and the price after them (the last trade's price).
type Update struct {
	Symbol string
	Price  decimal.Decimal
	Trades []Trade
	Time   time.Time
}

// withDefaults fills the zero fields of cfg and validates it.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Tick == 0 {
		cfg.Tick = DefaultTick
	}
	if cfg.Tick < MinTick || cfg.Tick > MaxTick {
		return cfg, fmt.Errorf("market: tick %v outside [%v, %v]", cfg.Tick, MinTick, MaxTick)
	}
	if cfg.History == 0 {
		cfg.History = DefaultHistory
	}
	if cfg.History < 0 || cfg.History > MaxHistory {
		return cfg, fmt.Errorf("market: history %v outside (0, %v]", cfg.History, MaxHistory)
	}
	if len(cfg.Symbols) == 0 {
		return cfg, errors.New("market: no symbols")
	}
	seen := make(map[string]bool, len(cfg.Symbols))
	params := make([]SymbolParams, len(cfg.Symbols))
	for i, p := range cfg.Symbols {
		if seen[p.Symbol] {
			return cfg, fmt.Errorf("market: symbol %q listed twice", p.Symbol)
		}
		seen[p.Symbol] = true
		p, err := p.withDefaults(len(cfg.Replay[p.Symbol]) > 0)
		if err != nil {
			return cfg, err
		}
		params[i] = p
	}
	cfg.Symbols = params
	for name, klines := range cfg.Replay {
		if !seen[name] {
			return cfg, fmt.Errorf("market: replay symbol %q is not in Symbols", name)
		}
		if err := validateReplay(klines); err != nil {
			return cfg, fmt.Errorf("market: replay %s: %w", name, err)
		}
	}
	return cfg, nil
}

func (p SymbolParams) withDefaults(replayed bool) (SymbolParams, error) {
	fail := func(format string, args ...any) (SymbolParams, error) {
		return p, fmt.Errorf("market: symbol %q: "+format, append([]any{p.Symbol}, args...)...)
	}
	if p.Symbol == "" {
		return p, errors.New("market: symbol with an empty name")
	}
	if !p.TickSize.IsPositive() || !p.StepSize.IsPositive() {
		return fail("tick size and step size must be positive")
	}
	if p.MeanTradeQty.IsZero() {
		p.MeanTradeQty = p.StepSize.Mul(decimal.NewFromInt(100))
	}
	if !p.MeanTradeQty.IsPositive() {
		return fail("negative mean trade quantity")
	}
	if p.MeanTradeQty.Div(p.StepSize).InexactFloat64() > maxMeanTradeStep {
		return fail("mean trade quantity is more than %g steps", maxMeanTradeStep)
	}
	if bad(p.Volatility) || p.Volatility < 0 || bad(p.Drift) {
		return fail("volatility must be a finite number >= 0 and drift finite")
	}
	if replayed {
		return p, nil
	}
	ticks := p.StartPrice.Div(p.TickSize).Round(0)
	if ticks.Sign() <= 0 {
		return fail("start price %s is not positive at tick %s", p.StartPrice, p.TickSize)
	}
	if ticks.GreaterThan(decimal.NewFromInt(maxPriceTicks)) {
		return fail("start price is more than %d ticks", maxPriceTicks)
	}
	return p, nil
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }
