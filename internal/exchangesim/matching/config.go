package matching

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Defaults applied by New to zero fields.
const (
	DefaultLevels          = 20
	DefaultMaxClosedOrders = 10000
	DefaultMaxTrades       = 10000
	DefaultMaxNumOrders    = 200
	DefaultAssetPrecision  = 8
	SymbolTrading          = "TRADING"
)

// Immutable default amounts (decimal has no constants).
var (
	defaultSpreadBps      = decimal.NewFromInt(2)
	defaultLevelStepBps   = decimal.NewFromInt(1)
	defaultLevelNotional  = decimal.NewFromInt(50000)
	defaultCommissionRate = decimal.RequireFromString("0.001")
)

// SymbolSpec is a symbol and its Binance filters. A zero max (price, qty,
// notional) means no maximum. MARKET orders are checked against
// MARKET_LOT_SIZE, whose zero fields take LOT_SIZE's values, so every
// quantity the engine handles is a multiple of StepSize or MarketStepSize.
type SymbolSpec struct {
	Symbol, BaseAsset, QuoteAsset              string
	BaseAssetPrecision, QuoteAssetPrecision    int             // 0 = 8
	TickSize, MinPrice, MaxPrice               decimal.Decimal // PRICE_FILTER
	StepSize, MinQty, MaxQty                   decimal.Decimal // LOT_SIZE
	MarketStepSize, MarketMinQty, MarketMaxQty decimal.Decimal // MARKET_LOT_SIZE
	MinNotional, MaxNotional                   decimal.Decimal // NOTIONAL
	ApplyMinToMarket, ApplyMaxToMarket         bool
	MaxNumOrders                               int    // MAX_NUM_ORDERS: open orders per account and symbol; 0 = 200
	Status                                     string // "TRADING" (default), "BREAK" or "HALT": orders rejected
}

// BookConfig shapes the simulated book around the mid price.
type BookConfig struct {
	SpreadBps     decimal.Decimal // full bid-ask spread in basis points (default 2)
	Levels        int             // levels per side (default 20)
	LevelStepBps  decimal.Decimal // distance between levels in basis points (default 1)
	LevelNotional decimal.Decimal // quote notional at each level (default 50000)
}

// Config configures an Engine. Zero fields take their defaults.
type Config struct {
	Symbols        []SymbolSpec
	Book           BookConfig
	CommissionRate decimal.Decimal // default 0.001, charged in the asset received
	ZeroCommission bool            // charge no commission (CommissionRate is ignored)
	Now            func() time.Time
	// MaxClosedOrders and MaxTrades bound each account's history (default
	// 10 000 each); the oldest entries are forgotten first.
	MaxClosedOrders int
	MaxTrades       int
}

func (c *Config) applyDefaults() {
	if c.Book.SpreadBps.IsZero() {
		c.Book.SpreadBps = defaultSpreadBps
	}
	if c.Book.Levels == 0 {
		c.Book.Levels = DefaultLevels
	}
	if c.Book.LevelStepBps.IsZero() {
		c.Book.LevelStepBps = defaultLevelStepBps
	}
	if c.Book.LevelNotional.IsZero() {
		c.Book.LevelNotional = defaultLevelNotional
	}
	switch {
	case c.ZeroCommission:
		c.CommissionRate = decimal.Zero
	case c.CommissionRate.IsZero():
		c.CommissionRate = defaultCommissionRate
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxClosedOrders == 0 {
		c.MaxClosedOrders = DefaultMaxClosedOrders
	}
	if c.MaxTrades == 0 {
		c.MaxTrades = DefaultMaxTrades
	}
}

func (c *Config) validate() error {
	switch {
	case c.Book.SpreadBps.IsNegative():
		return fmt.Errorf("book spread %s bps is negative", c.Book.SpreadBps)
	case c.Book.Levels < 1:
		return fmt.Errorf("book levels %d: need at least 1", c.Book.Levels)
	case !c.Book.LevelStepBps.IsPositive():
		return fmt.Errorf("book level step %s bps must be positive", c.Book.LevelStepBps)
	case !c.Book.LevelNotional.IsPositive():
		return fmt.Errorf("book level notional %s must be positive", c.Book.LevelNotional)
	case c.CommissionRate.IsNegative() || c.CommissionRate.GreaterThanOrEqual(decimal.NewFromInt(1)):
		return fmt.Errorf("commission rate %s must be in [0, 1)", c.CommissionRate)
	case c.MaxClosedOrders < 1 || c.MaxTrades < 1:
		return fmt.Errorf("history bounds must be positive (closed orders %d, trades %d)", c.MaxClosedOrders, c.MaxTrades)
	case len(c.Symbols) == 0:
		return fmt.Errorf("no symbols configured")
	}
	seen := make(map[string]bool, len(c.Symbols))
	for i := range c.Symbols {
		s := &c.Symbols[i]
		s.applyDefaults()
		if err := s.validate(); err != nil {
			return fmt.Errorf("symbol %d (%q): %w", i, s.Symbol, err)
		}
		if seen[s.Symbol] {
			return fmt.Errorf("symbol %q configured twice", s.Symbol)
		}
		seen[s.Symbol] = true
	}
	return nil
}

func (s *SymbolSpec) applyDefaults() {
	if s.BaseAssetPrecision == 0 {
		s.BaseAssetPrecision = DefaultAssetPrecision
	}
	if s.QuoteAssetPrecision == 0 {
		s.QuoteAssetPrecision = DefaultAssetPrecision
	}
	if s.MaxNumOrders == 0 {
		s.MaxNumOrders = DefaultMaxNumOrders
	}
	if s.Status == "" {
		s.Status = SymbolTrading
	}
}

func (s *SymbolSpec) validate() error {
	switch {
	case s.Symbol == "" || s.BaseAsset == "" || s.QuoteAsset == "":
		return fmt.Errorf("symbol, base asset and quote asset are required")
	case s.BaseAsset == s.QuoteAsset:
		return fmt.Errorf("base and quote asset are both %q", s.BaseAsset)
	case s.BaseAssetPrecision < 0 || s.QuoteAssetPrecision < 0:
		return fmt.Errorf("negative asset precision")
	case !s.TickSize.IsPositive():
		return fmt.Errorf("tick size %s must be positive", s.TickSize)
	case !s.StepSize.IsPositive():
		return fmt.Errorf("step size %s must be positive", s.StepSize)
	case s.MaxNumOrders < 0:
		return fmt.Errorf("max num orders %d is negative", s.MaxNumOrders)
	}
	for name, d := range map[string]decimal.Decimal{
		"minPrice": s.MinPrice, "maxPrice": s.MaxPrice, "minQty": s.MinQty, "maxQty": s.MaxQty,
		"marketStepSize": s.MarketStepSize, "marketMinQty": s.MarketMinQty, "marketMaxQty": s.MarketMaxQty,
		"minNotional": s.MinNotional, "maxNotional": s.MaxNotional,
	} {
		if d.IsNegative() {
			return fmt.Errorf("%s %s is negative", name, d)
		}
	}
	if s.MaxPrice.IsPositive() && s.MaxPrice.LessThan(s.MinPrice) {
		return fmt.Errorf("maxPrice %s below minPrice %s", s.MaxPrice, s.MinPrice)
	}
	if s.MaxQty.IsPositive() && s.MaxQty.LessThan(s.MinQty) {
		return fmt.Errorf("maxQty %s below minQty %s", s.MaxQty, s.MinQty)
	}
	if s.MaxNotional.IsPositive() && s.MaxNotional.LessThan(s.MinNotional) {
		return fmt.Errorf("maxNotional %s below minNotional %s", s.MaxNotional, s.MinNotional)
	}
	return nil
}
