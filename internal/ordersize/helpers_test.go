package ordersize

import (
	"testing"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// btcFilters are shaped like the simulator's BTCUSDT, plus a
// PERCENT_PRICE_BY_SIDE band as Binance lists one.
func btcFilters() Filters {
	return Filters{
		Symbol: "BTCUSDT", Status: "TRADING", BaseAsset: "BTC", QuoteAsset: "USDT",
		BaseAssetPrecision: 8, QuoteAssetPrecision: 8,
		OrderTypes:    []string{"LIMIT", "LIMIT_MAKER", "MARKET"},
		Price:         PriceFilter{Set: true, MinPrice: d("0.01"), MaxPrice: d("1000000"), TickSize: d("0.01")},
		LotSize:       LotFilter{Set: true, MinQty: d("0.00001"), MaxQty: d("9000"), StepSize: d("0.00001")},
		MarketLotSize: LotFilter{Set: true, MinQty: d("0.00001"), MaxQty: d("120"), StepSize: d("0.00001")},
		Notional: NotionalFilter{Set: true, MinNotional: d("5"), MaxNotional: d("9000000"),
			ApplyMinToMarket: true, ApplyMaxToMarket: false, AvgPriceMins: 5},
		PercentPriceBySide: PercentPriceBySideFilter{Set: true,
			BidMultiplierUp: d("5"), BidMultiplierDown: d("0.2"), AskMultiplierUp: d("5"), AskMultiplierDown: d("0.2"), AvgPriceMins: 5},
	}
}

// btcSymbol is btcFilters as go-binance decodes exchangeInfo: numbers as
// strings, flags as booleans, minutes as float64.
func btcSymbol() binance.Symbol {
	return binance.Symbol{
		Symbol: "BTCUSDT", Status: "TRADING", BaseAsset: "BTC", QuoteAsset: "USDT",
		BaseAssetPrecision: 8, QuoteAssetPrecision: 8, QuotePrecision: 8,
		OrderTypes: []string{"LIMIT", "LIMIT_MAKER", "MARKET"},
		Filters: []map[string]interface{}{
			{"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
			{"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
			{"filterType": "ICEBERG_PARTS", "limit": float64(10)},
			{"filterType": "MARKET_LOT_SIZE", "minQty": "0.00001000", "maxQty": "120.00000000", "stepSize": "0.00001000"},
			{"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": float64(10)},
			{"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "5", "bidMultiplierDown": "0.2",
				"askMultiplierUp": "5", "askMultiplierDown": "0.2", "avgPriceMins": float64(5)},
			{"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": true,
				"maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": float64(5)},
			{"filterType": "MAX_NUM_ORDERS", "maxNumOrders": float64(200)},
		},
	}
}

// buy is a BUY request at price with ample balances.
func buy(t Type, price, maxQuote string) Request {
	return Request{Side: SideBuy, Type: t, Prices: Prices{LastPrice: d(price)},
		MaxOrderQuote: d(maxQuote), PositionRoom: d("1000000000"), FreeQuote: d("1000000000")}
}

// sell is a SELL request at price for a position with ample free base.
func sell(t Type, price, position string) Request {
	return Request{Side: SideSell, Type: t, Prices: Prices{LastPrice: d(price)},
		Position: d(position), FreeBase: d("1000000000")}
}

func mustSize(t *testing.T, f Filters, r Request) Order {
	t.Helper()
	o, err := f.Size(r)
	if err != nil {
		t.Fatalf("Size(%+v): %v", r, err)
	}
	return o
}

func wantSkip(t *testing.T, f Filters, r Request, reason Reason) *Skip {
	t.Helper()
	o, err := f.Size(r)
	s, ok := err.(*Skip)
	if !ok {
		t.Fatalf("Size(%+v) = %+v, %v; want a skip %s", r, o, err, reason)
	}
	if s.Reason != reason {
		t.Fatalf("Size(%+v) skipped for %s (%s); want %s", r, s.Reason, s.Message, reason)
	}
	return s
}
