package exchangesim

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// SymbolConfig is one simulated symbol: its exchange filters and the model
// of its price path.
type SymbolConfig struct {
	Spec         matching.SymbolSpec
	StartPrice   decimal.Decimal
	Volatility   float64         // annualised sigma of the price path
	Drift        float64         // annualised mu of the price path
	MeanTradeQty decimal.Decimal // typical market trade size, base asset
}

// defaultSymbol is one row of the built-in symbol table, as strings so the
// table stays readable.
type defaultSymbol struct {
	symbol, base               string
	price, tick, maxPrice      string
	step, maxQty, marketMaxQty string
	minNotional                string
	volatility                 float64
	meanTradeQty               string
}

// defaultSymbolTable holds plausible mid-2026 prices and Binance-like filters.
var defaultSymbolTable = [...]defaultSymbol{
	{"BTCUSDT", "BTC", "65000.00", "0.01", "1000000.00", "0.00001", "9000", "120", "5", 0.55, "0.02"},
	{"ETHUSDT", "ETH", "3200.00", "0.01", "1000000.00", "0.0001", "9000", "2500", "5", 0.70, "0.3"},
	{"BNBUSDT", "BNB", "600.00", "0.01", "100000.00", "0.001", "9000", "4000", "5", 0.60, "1"},
	{"SOLUSDT", "SOL", "150.00", "0.01", "100000.00", "0.001", "9000", "20000", "5", 0.90, "5"},
	{"XRPUSDT", "XRP", "0.5500", "0.0001", "10000.0000", "0.1", "9000000", "1500000", "5", 0.80, "500"},
	{"ADAUSDT", "ADA", "0.4500", "0.0001", "10000.0000", "0.1", "9000000", "2000000", "5", 0.85, "800"},
	{"DOGEUSDT", "DOGE", "0.15000", "0.00001", "1000.00000", "1", "9000000", "10000000", "1", 1.00, "3000"},
	{"LTCUSDT", "LTC", "80.00", "0.01", "100000.00", "0.001", "90000", "10000", "5", 0.75, "5"},
}

const (
	defaultQuoteAsset  = "USDT"
	defaultMaxNotional = "9000000"
	assetPrecision     = 8
)

// DefaultSymbolConfigs returns the built-in symbols (BTCUSDT, ETHUSDT,
// BNBUSDT, SOLUSDT, XRPUSDT, ADAUSDT, DOGEUSDT, LTCUSDT) with their filters,
// start prices and price models. Each call returns a fresh slice.
func DefaultSymbolConfigs() []SymbolConfig {
	out := make([]SymbolConfig, 0, len(defaultSymbolTable))
	for _, row := range defaultSymbolTable {
		out = append(out, row.config())
	}
	return out
}

// DefaultSymbols returns the filters of the built-in symbols; their start
// prices are in DefaultStartPrices.
func DefaultSymbols() []matching.SymbolSpec {
	cfgs := DefaultSymbolConfigs()
	out := make([]matching.SymbolSpec, len(cfgs))
	for i, c := range cfgs {
		out[i] = c.Spec
	}
	return out
}

// DefaultStartPrices returns the start price of each built-in symbol.
func DefaultStartPrices() map[string]decimal.Decimal {
	out := make(map[string]decimal.Decimal, len(defaultSymbolTable))
	for _, c := range DefaultSymbolConfigs() {
		out[c.Spec.Symbol] = c.StartPrice
	}
	return out
}

// SelectSymbols picks built-in symbols by name from a comma-separated list,
// as the --symbols flag takes it. An entry NAME=PRICE also overrides the
// start price, e.g. "BTCUSDT=70000,ETHUSDT".
func SelectSymbols(list string) ([]SymbolConfig, error) {
	known := make(map[string]SymbolConfig, len(defaultSymbolTable))
	for _, c := range DefaultSymbolConfigs() {
		known[c.Spec.Symbol] = c
	}
	var out []SymbolConfig
	seen := map[string]bool{}
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, price, hasPrice := strings.Cut(entry, "=")
		name = strings.ToUpper(strings.TrimSpace(name))
		c, ok := known[name]
		if !ok {
			return nil, fmt.Errorf("unknown symbol %q (known: %s)", name, strings.Join(knownSymbolNames(), ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("symbol %q listed twice", name)
		}
		seen[name] = true
		if hasPrice {
			p, err := decimal.NewFromString(strings.TrimSpace(price))
			if err != nil || !p.IsPositive() {
				return nil, fmt.Errorf("symbol %s: start price %q is not a positive decimal", name, price)
			}
			c.StartPrice = p.Round(-c.Spec.TickSize.Exponent())
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no symbols selected")
	}
	return out, nil
}

func knownSymbolNames() []string {
	names := make([]string, len(defaultSymbolTable))
	for i, row := range defaultSymbolTable {
		names[i] = row.symbol
	}
	return names
}

func (r defaultSymbol) config() SymbolConfig {
	d := decimal.RequireFromString
	tick, step := d(r.tick), d(r.step)
	return SymbolConfig{
		Spec: matching.SymbolSpec{
			Symbol:              r.symbol,
			BaseAsset:           r.base,
			QuoteAsset:          defaultQuoteAsset,
			BaseAssetPrecision:  assetPrecision,
			QuoteAssetPrecision: assetPrecision,
			TickSize:            tick,
			MinPrice:            tick,
			MaxPrice:            d(r.maxPrice),
			StepSize:            step,
			MinQty:              step,
			MaxQty:              d(r.maxQty),
			MarketStepSize:      step,
			MarketMinQty:        step,
			MarketMaxQty:        d(r.marketMaxQty),
			MinNotional:         d(r.minNotional),
			MaxNotional:         d(defaultMaxNotional),
			ApplyMinToMarket:    true,
			ApplyMaxToMarket:    false,
			Status:              "TRADING",
		},
		StartPrice:   d(r.price),
		Volatility:   r.volatility,
		MeanTradeQty: d(r.meanTradeQty),
	}
}
