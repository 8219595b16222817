package marketdata

import (
	"fmt"

	"github.com/adshao/go-binance/v2"
)

// KlineFromBinance converts a kline of go-binance's REST client (as
// KlinesService returns them) for a KlineFetcher. Closed is left false: the
// hub marks the klines it backfills as closed.
func KlineFromBinance(symbol, interval string, k *binance.Kline) (Kline, error) {
	out := Kline{
		Symbol: symbol, Interval: interval,
		OpenTime: millis(k.OpenTime), CloseTime: millis(k.CloseTime),
		Trades: k.TradeNum, FirstTradeID: -1, LastTradeID: -1,
	}
	var d decimals
	d.parse(&out.Open, k.Open)
	d.parse(&out.High, k.High)
	d.parse(&out.Low, k.Low)
	d.parse(&out.Close, k.Close)
	d.parse(&out.Volume, k.Volume)
	d.parse(&out.QuoteVolume, k.QuoteAssetVolume)
	d.parse(&out.TakerBuyBaseVolume, k.TakerBuyBaseAssetVolume)
	d.parse(&out.TakerBuyQuoteVolume, k.TakerBuyQuoteAssetVolume)
	if d.err != nil {
		return Kline{}, fmt.Errorf("kline %s %s at %d: %w", symbol, interval, k.OpenTime, d.err)
	}
	return out, nil
}
