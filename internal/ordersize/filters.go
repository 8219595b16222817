package ordersize

import (
	"errors"
	"fmt"
	"math"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

// Binance's names of the filters read here, as they appear in exchangeInfo
// and in "Filter failure: <name>" rejections.
const (
	FilterPrice              = "PRICE_FILTER"
	FilterPercentPrice       = "PERCENT_PRICE"
	FilterPercentPriceBySide = "PERCENT_PRICE_BY_SIDE"
	FilterLotSize            = "LOT_SIZE"
	FilterMarketLotSize      = "MARKET_LOT_SIZE"
	FilterMinNotional        = "MIN_NOTIONAL"
	FilterNotional           = "NOTIONAL"
)

// statusTrading is the only symbol status that accepts new orders.
const statusTrading = "TRADING"

// Filters are one symbol's trading rules, read from its exchangeInfo entry
// by ParseSymbol. A filter the symbol does not list has Set false and
// constrains nothing. Within a listed filter a zero bound or step is
// disabled, as Binance defines (a zero tickSize: any price; a zero maxQty:
// no maximum). Filters are plain values: copy them freely, never share a
// pointer that someone modifies.
type Filters struct {
	Symbol, Status        string
	BaseAsset, QuoteAsset string
	// BaseAssetPrecision and QuoteAssetPrecision are the most decimals a
	// quantity (base) and a price (quote) may carry.
	BaseAssetPrecision, QuoteAssetPrecision int
	// OrderTypes are the order types the symbol accepts; empty means the
	// entry did not say, and nothing is refused for its type.
	OrderTypes []string

	Price              PriceFilter
	PercentPrice       PercentPriceFilter
	PercentPriceBySide PercentPriceBySideFilter
	LotSize            LotFilter // every order
	MarketLotSize      LotFilter // MARKET orders, on top of LotSize
	MinNotional        MinNotionalFilter
	Notional           NotionalFilter
}

// PriceFilter is PRICE_FILTER: minPrice <= price <= maxPrice and
// (price - minPrice) is a whole number of tickSize.
type PriceFilter struct {
	Set                          bool
	MinPrice, MaxPrice, TickSize decimal.Decimal
}

// LotFilter is LOT_SIZE or MARKET_LOT_SIZE: minQty <= quantity <= maxQty
// and (quantity - minQty) is a whole number of stepSize.
type LotFilter struct {
	Set                      bool
	MinQty, MaxQty, StepSize decimal.Decimal
}

// MinNotionalFilter is the older MIN_NOTIONAL: price × quantity >=
// minNotional; for MARKET orders only when ApplyToMarket, valued at the
// average price over AvgPriceMins minutes.
type MinNotionalFilter struct {
	Set           bool
	MinNotional   decimal.Decimal
	ApplyToMarket bool
	AvgPriceMins  int
}

// NotionalFilter is NOTIONAL: minNotional <= price × quantity <=
// maxNotional; for MARKET orders the minimum only when ApplyMinToMarket and
// the maximum only when ApplyMaxToMarket, valued at the average price over
// AvgPriceMins minutes.
type NotionalFilter struct {
	Set                                bool
	MinNotional, MaxNotional           decimal.Decimal
	ApplyMinToMarket, ApplyMaxToMarket bool
	AvgPriceMins                       int
}

// PercentPriceFilter is PERCENT_PRICE: avg × multiplierDown <= price <=
// avg × multiplierUp, where avg is the average price over AvgPriceMins
// minutes (0: the last price).
type PercentPriceFilter struct {
	Set                          bool
	MultiplierUp, MultiplierDown decimal.Decimal
	AvgPriceMins                 int
}

// PercentPriceBySideFilter is PERCENT_PRICE_BY_SIDE: a BUY's price must lie
// in [avg × BidMultiplierDown, avg × BidMultiplierUp], a SELL's in
// [avg × AskMultiplierDown, avg × AskMultiplierUp], where avg is the
// average price over AvgPriceMins minutes (0: the last price).
type PercentPriceBySideFilter struct {
	Set                                bool
	BidMultiplierUp, BidMultiplierDown decimal.Decimal
	AskMultiplierUp, AskMultiplierDown decimal.Decimal
	AvgPriceMins                       int
}

// Trading reports whether the symbol accepts new orders (status TRADING,
// or no status given).
func (f *Filters) Trading() bool { return f.Status == "" || f.Status == statusTrading }

// Allows reports whether the symbol accepts orders of type t.
func (f *Filters) Allows(t Type) bool {
	if len(f.OrderTypes) == 0 {
		return true
	}
	for _, ot := range f.OrderTypes {
		if ot == string(t) {
			return true
		}
	}
	return false
}

// ParseExchangeInfo parses every symbol of info. A symbol whose filters are
// malformed is left out of the map and named in the error; the others are
// still returned, so one bad entry does not stop every bot.
func ParseExchangeInfo(info *binance.ExchangeInfo) (map[string]Filters, error) {
	if info == nil {
		return nil, errors.New("no exchangeInfo")
	}
	out := make(map[string]Filters, len(info.Symbols))
	var errs []error
	for i := range info.Symbols {
		f, err := ParseSymbol(&info.Symbols[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[f.Symbol] = f
	}
	return out, errors.Join(errs...)
}

// ParseSymbol reads one symbol's filters. Every number must be a
// non-negative decimal string, as Binance sends them; a filter with a
// missing or malformed number is an error, never a panic (go-binance's own
// filter helpers panic on a value of the wrong JSON type). The apply flags
// may be absent (then true: check when unsure), avgPriceMins may be absent
// (then 0). Filter types not listed above are ignored.
func ParseSymbol(s *binance.Symbol) (Filters, error) {
	if s == nil {
		return Filters{}, errors.New("no symbol")
	}
	if s.Symbol == "" {
		return Filters{}, errors.New("symbol entry without a name")
	}
	f := Filters{
		Symbol: s.Symbol, Status: s.Status, BaseAsset: s.BaseAsset, QuoteAsset: s.QuoteAsset,
		BaseAssetPrecision: s.BaseAssetPrecision, QuoteAssetPrecision: s.QuoteAssetPrecision,
		OrderTypes: append([]string(nil), s.OrderTypes...),
	}
	if f.BaseAssetPrecision < 0 || f.QuoteAssetPrecision < 0 || f.BaseAssetPrecision > maxPrecision || f.QuoteAssetPrecision > maxPrecision {
		return Filters{}, fmt.Errorf("symbol %s: asset precisions %d/%d must be in [0, %d]",
			s.Symbol, f.BaseAssetPrecision, f.QuoteAssetPrecision, maxPrecision)
	}
	for i, raw := range s.Filters {
		p := fieldReader{m: raw}
		typ := p.str("filterType")
		switch typ {
		case FilterPrice:
			f.Price = PriceFilter{Set: true, MinPrice: p.dec("minPrice"), MaxPrice: p.dec("maxPrice"), TickSize: p.dec("tickSize")}
			p.bounds("minPrice", f.Price.MinPrice, "maxPrice", f.Price.MaxPrice)
		case FilterLotSize, FilterMarketLotSize:
			l := LotFilter{Set: true, MinQty: p.dec("minQty"), MaxQty: p.dec("maxQty"), StepSize: p.dec("stepSize")}
			p.bounds("minQty", l.MinQty, "maxQty", l.MaxQty)
			if typ == FilterLotSize {
				f.LotSize = l
			} else {
				f.MarketLotSize = l
			}
		case FilterMinNotional:
			f.MinNotional = MinNotionalFilter{Set: true, MinNotional: p.dec("minNotional"),
				ApplyToMarket: p.flag("applyToMarket"), AvgPriceMins: p.minutes("avgPriceMins")}
		case FilterNotional:
			f.Notional = NotionalFilter{Set: true, MinNotional: p.dec("minNotional"), MaxNotional: p.dec("maxNotional"),
				ApplyMinToMarket: p.flag("applyMinToMarket"), ApplyMaxToMarket: p.flag("applyMaxToMarket"),
				AvgPriceMins: p.minutes("avgPriceMins")}
			p.bounds("minNotional", f.Notional.MinNotional, "maxNotional", f.Notional.MaxNotional)
		case FilterPercentPrice:
			f.PercentPrice = PercentPriceFilter{Set: true, MultiplierUp: p.dec("multiplierUp"),
				MultiplierDown: p.dec("multiplierDown"), AvgPriceMins: p.minutes("avgPriceMins")}
			p.bounds("multiplierDown", f.PercentPrice.MultiplierDown, "multiplierUp", f.PercentPrice.MultiplierUp)
		case FilterPercentPriceBySide:
			b := PercentPriceBySideFilter{Set: true,
				BidMultiplierUp: p.dec("bidMultiplierUp"), BidMultiplierDown: p.dec("bidMultiplierDown"),
				AskMultiplierUp: p.dec("askMultiplierUp"), AskMultiplierDown: p.dec("askMultiplierDown"),
				AvgPriceMins: p.minutes("avgPriceMins")}
			p.bounds("bidMultiplierDown", b.BidMultiplierDown, "bidMultiplierUp", b.BidMultiplierUp)
			p.bounds("askMultiplierDown", b.AskMultiplierDown, "askMultiplierUp", b.AskMultiplierUp)
			f.PercentPriceBySide = b
		}
		if p.err != nil {
			name := typ
			if name == "" {
				name = fmt.Sprintf("#%d", i)
			}
			return Filters{}, fmt.Errorf("symbol %s: filter %s: %w", s.Symbol, name, p.err)
		}
	}
	return f, nil
}

// maxPrecision bounds the asset precisions accepted (Binance uses 8).
const maxPrecision = 18

// fieldReader reads typed fields of one filter, keeping the first error.
type fieldReader struct {
	m   map[string]interface{}
	err error
}

func (r *fieldReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *fieldReader) str(key string) string {
	v, ok := r.m[key]
	if !ok {
		r.fail("%s is missing", key)
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail("%s is %T, not a string", key, v)
		return ""
	}
	return s
}

// dec reads a non-negative decimal string.
func (r *fieldReader) dec(key string) decimal.Decimal {
	s := r.str(key)
	if r.err != nil {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		r.fail("%s %q is not a decimal", key, s)
		return decimal.Zero
	}
	if d.IsNegative() {
		r.fail("%s %s is negative", key, s)
		return decimal.Zero
	}
	return d
}

// flag reads an optional boolean; absent means true.
func (r *fieldReader) flag(key string) bool {
	v, ok := r.m[key]
	if !ok {
		return true
	}
	b, ok := v.(bool)
	if !ok {
		r.fail("%s is %T, not a boolean", key, v)
	}
	return b
}

// minutes reads an optional whole number of minutes (a JSON number).
func (r *fieldReader) minutes(key string) int {
	v, ok := r.m[key]
	if !ok {
		return 0
	}
	var x float64
	switch n := v.(type) {
	case float64:
		x = n
	case int:
		x = float64(n)
	case int64:
		x = float64(n)
	default:
		r.fail("%s is %T, not a number", key, v)
		return 0
	}
	if x < 0 || x != math.Trunc(x) || x > math.MaxInt32 {
		r.fail("%s %v is not a whole number of minutes", key, v)
		return 0
	}
	return int(x)
}

// bounds checks lo <= hi when hi is set (positive).
func (r *fieldReader) bounds(loName string, lo decimal.Decimal, hiName string, hi decimal.Decimal) {
	if r.err == nil && hi.IsPositive() && hi.LessThan(lo) {
		r.fail("%s %s is below %s %s", hiName, hi, loName, lo)
	}
}
