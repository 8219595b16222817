package botgroup

import (
	"context"
	"strings"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
)

// KlineBackfill is the market-data hub's Backfill option: closed klines
// missed during a gap are fetched over REST from the registry's endpoint
// whose stream URL is streamURL, through its shared weight budget. It
// returns nil (no backfill) for a stream URL no endpoint serves.
func KlineBackfill(reg *exchange.Registry) func(streamURL string) marketdata.KlineFetcher {
	return func(streamURL string) marketdata.KlineFetcher {
		want := strings.TrimRight(streamURL, "/")
		for _, ep := range reg.Endpoints() {
			if strings.TrimRight(ep.URLs().Stream, "/") == want {
				return restKlines{ep: ep}
			}
		}
		return nil
	}
}

// restKlines adapts an Endpoint's REST klines to the hub's KlineFetcher.
type restKlines struct{ ep *exchange.Endpoint }

func (r restKlines) Klines(ctx context.Context, symbol, interval string, start time.Time, limit int) ([]marketdata.Kline, error) {
	ks, err := r.ep.Klines(ctx, exchange.CallPolicy{}, symbol, interval, start, limit)
	if err != nil {
		return nil, err
	}
	out := make([]marketdata.Kline, len(ks))
	for i, k := range ks {
		out[i] = marketdata.Kline{
			Symbol: symbol, Interval: interval,
			OpenTime: k.OpenTime, CloseTime: k.CloseTime,
			Open: k.Open, High: k.High, Low: k.Low, Close: k.Close,
			Volume: k.Volume, QuoteVolume: k.QuoteVolume,
			TakerBuyBaseVolume: k.TakerBuyVolume, TakerBuyQuoteVolume: k.TakerBuyQuoteVolume,
			Trades: k.Trades,
			// The hub ignores a kline that is still open.
			Closed: !k.CloseTime.After(time.Now()),
		}
	}
	return out, nil
}
