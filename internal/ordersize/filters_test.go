package ordersize

import (
	"reflect"
	"strings"
	"testing"

	"github.com/adshao/go-binance/v2"
)

func TestParseSymbolReadsEveryFilter(t *testing.T) {
	s := btcSymbol()
	got, err := ParseSymbol(&s)
	if err != nil {
		t.Fatal(err)
	}
	want := btcFilters()
	// Decimals compare by value, not by representation.
	for _, pair := range [][2]any{
		{got.Price, want.Price}, {got.LotSize, want.LotSize}, {got.MarketLotSize, want.MarketLotSize},
		{got.Notional, want.Notional}, {got.PercentPriceBySide, want.PercentPriceBySide},
	} {
		if !equalByValue(pair[0], pair[1]) {
			t.Errorf("parsed %+v, want %+v", pair[0], pair[1])
		}
	}
	if got.MinNotional.Set || got.PercentPrice.Set {
		t.Errorf("filters not listed came out set: %+v %+v", got.MinNotional, got.PercentPrice)
	}
	if got.Symbol != "BTCUSDT" || got.BaseAsset != "BTC" || got.QuoteAsset != "USDT" || got.BaseAssetPrecision != 8 ||
		!reflect.DeepEqual(got.OrderTypes, want.OrderTypes) || !got.Trading() {
		t.Errorf("symbol fields: %+v", got)
	}
}

// equalByValue compares two filter structs field by field, decimals by
// value.
func equalByValue(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		fa, fb := va.Field(i).Interface(), vb.Field(i).Interface()
		if da, ok := fa.(interface{ String() string }); ok {
			if x, y := d(da.String()), d(fb.(interface{ String() string }).String()); !x.Equal(y) {
				return false
			}
			continue
		}
		if fa != fb {
			return false
		}
	}
	return true
}

func TestParseSymbolOlderFilters(t *testing.T) {
	s := binance.Symbol{Symbol: "OLDBTC", BaseAssetPrecision: 8, QuoteAssetPrecision: 8, Filters: []map[string]interface{}{
		{"filterType": "MIN_NOTIONAL", "minNotional": "0.0001", "applyToMarket": false, "avgPriceMins": float64(3)},
		{"filterType": "PERCENT_PRICE", "multiplierUp": "1.3", "multiplierDown": "0.7", "avgPriceMins": float64(0)},
		{"filterType": "NOTIONAL", "minNotional": "1", "maxNotional": "100"}, // flags absent: true
	}}
	f, err := ParseSymbol(&s)
	if err != nil {
		t.Fatal(err)
	}
	if !f.MinNotional.Set || f.MinNotional.ApplyToMarket || f.MinNotional.AvgPriceMins != 3 || !f.MinNotional.MinNotional.Equal(d("0.0001")) {
		t.Errorf("MIN_NOTIONAL: %+v", f.MinNotional)
	}
	if !f.PercentPrice.Set || !f.PercentPrice.MultiplierUp.Equal(d("1.3")) || !f.PercentPrice.MultiplierDown.Equal(d("0.7")) {
		t.Errorf("PERCENT_PRICE: %+v", f.PercentPrice)
	}
	if !f.Notional.ApplyMinToMarket || !f.Notional.ApplyMaxToMarket {
		t.Errorf("absent apply flags must default to true: %+v", f.Notional)
	}
	if f.Price.Set || f.LotSize.Set {
		t.Errorf("unlisted filters set: %+v %+v", f.Price, f.LotSize)
	}
}

func TestParseSymbolRefusesMalformedValues(t *testing.T) {
	cases := []struct {
		name   string
		filter map[string]interface{}
		want   string
	}{
		{"number not a string", map[string]interface{}{"filterType": "LOT_SIZE", "minQty": 0.001, "maxQty": "1", "stepSize": "0.001"}, "minQty is float64"},
		{"not a decimal", map[string]interface{}{"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1e", "tickSize": "0.01"}, `maxPrice "1e"`},
		{"negative", map[string]interface{}{"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "100", "tickSize": "-0.01"}, "tickSize -0.01 is negative"},
		{"missing", map[string]interface{}{"filterType": "MARKET_LOT_SIZE", "minQty": "0", "maxQty": "1"}, "stepSize is missing"},
		{"max below min", map[string]interface{}{"filterType": "LOT_SIZE", "minQty": "2", "maxQty": "1", "stepSize": "0.1"}, "maxQty 1 is below minQty 2"},
		{"flag not a bool", map[string]interface{}{"filterType": "NOTIONAL", "minNotional": "5", "maxNotional": "10", "applyMinToMarket": "true"}, "applyMinToMarket is string"},
		{"minutes not whole", map[string]interface{}{"filterType": "NOTIONAL", "minNotional": "5", "maxNotional": "10", "avgPriceMins": 1.5}, "avgPriceMins 1.5"},
		{"minutes a string", map[string]interface{}{"filterType": "MIN_NOTIONAL", "minNotional": "5", "avgPriceMins": "5"}, "avgPriceMins is string"},
		{"no filter type", map[string]interface{}{"minQty": "1"}, "filterType is missing"},
		{"filter type not a string", map[string]interface{}{"filterType": 7}, "filterType is int"},
		{"band upside down", map[string]interface{}{"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "0.5", "bidMultiplierDown": "0.9",
			"askMultiplierUp": "5", "askMultiplierDown": "0.2"}, "bidMultiplierUp 0.5 is below"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := binance.Symbol{Symbol: "BADUSDT", Filters: []map[string]interface{}{tc.filter}}
			_, err := ParseSymbol(&s)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "BADUSDT") {
				t.Fatalf("error %v, want one naming BADUSDT and containing %q", err, tc.want)
			}
		})
	}
}

func TestParseExchangeInfoKeepsTheGoodSymbols(t *testing.T) {
	good := btcSymbol()
	bad := binance.Symbol{Symbol: "BADUSDT", Filters: []map[string]interface{}{{"filterType": "LOT_SIZE", "minQty": true}}}
	got, err := ParseExchangeInfo(&binance.ExchangeInfo{Symbols: []binance.Symbol{good, bad}})
	if err == nil || !strings.Contains(err.Error(), "BADUSDT") {
		t.Fatalf("error %v, want one naming BADUSDT", err)
	}
	if _, ok := got["BTCUSDT"]; !ok || len(got) != 1 {
		t.Fatalf("got %v, want BTCUSDT only", got)
	}
	if _, err := ParseExchangeInfo(nil); err == nil {
		t.Fatal("nil exchangeInfo: no error")
	}
}

func TestAllowsAndTrading(t *testing.T) {
	f := btcFilters()
	f.OrderTypes = []string{"LIMIT", "MARKET"}
	if f.Allows(TypeLimitMaker) || !f.Allows(TypeMarket) {
		t.Error("Allows does not follow OrderTypes")
	}
	f.OrderTypes = nil
	if !f.Allows(TypeLimitMaker) {
		t.Error("no OrderTypes must allow every type")
	}
	f.Status = "BREAK"
	if f.Trading() {
		t.Error("BREAK is trading")
	}
}
