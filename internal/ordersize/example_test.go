package ordersize_test

import (
	"errors"
	"fmt"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
)

// A BUY signal on BTCUSDT: spend at most 100 USDT (maxOrderQuote) with a
// LIMIT order 10 bps below the last price; then one too small to send.
func ExampleFilters_Size() {
	symbol := binance.Symbol{Symbol: "BTCUSDT", Status: "TRADING", BaseAsset: "BTC", QuoteAsset: "USDT",
		BaseAssetPrecision: 8, QuoteAssetPrecision: 8,
		Filters: []map[string]interface{}{
			{"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
			{"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
			{"filterType": "NOTIONAL", "minNotional": "5", "applyMinToMarket": true, "maxNotional": "9000000", "applyMaxToMarket": false},
		}}
	f, err := ordersize.ParseSymbol(&symbol)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := decimal.RequireFromString
	req := ordersize.Request{
		Side: ordersize.SideBuy, Type: ordersize.TypeLimit, OffsetBps: d("10"),
		Prices:        ordersize.Prices{LastPrice: d("65000.37")},
		MaxOrderQuote: d("100"), PositionRoom: d("400"), FreeQuote: d("2500"),
	}
	o, err := f.Size(req)
	fmt.Println(o.Side, o.Type, o.TimeInForce, o.Quantity, "@", o.Price, "=", o.Notional, "limited by", o.LimitedBy, err)

	req.MaxOrderQuote = d("4")
	_, err = f.Size(req)
	var skip *ordersize.Skip
	if errors.As(err, &skip) {
		fmt.Println(skip.Reason)
		fmt.Println(skip.Message)
	}
	// Output:
	// BUY LIMIT GTC 0.00153 @ 64935.36 = 99.3511008 limited by MaxOrderQuote <nil>
	// BelowMinNotional
	// BUY LIMIT BTCUSDT: 0.00006 BTC at 64935.36 is worth 3.8961216 USDT (limited by MaxOrderQuote), below NOTIONAL minimum 5
}
