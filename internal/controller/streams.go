package controller

import (
	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
)

// botStreams are the streams a TradingBot needs: its strategy's klines and
// the 24 h ticker (last price) of each symbol.
func botStreams(spec tradingv1alpha1.TradingBotSpec) []string {
	out := make([]string, 0, 2*len(spec.Symbols))
	for _, s := range spec.Symbols {
		out = append(out, marketdata.KlineStream(s, string(spec.Strategy.Interval)), marketdata.TickerStream(s))
	}
	return out
}

// watchStreams are the streams a SymbolWatch's spec.streams asks for.
func watchStreams(spec tradingv1alpha1.SymbolWatchSpec) []string {
	var out []string
	for _, s := range spec.Symbols {
		if spec.Streams.TickerEnabled() {
			out = append(out, marketdata.TickerStream(s))
		}
		if spec.Streams.BookTicker {
			out = append(out, marketdata.BookTickerStream(s))
		}
		if spec.Streams.Trade {
			out = append(out, marketdata.TradeStream(s))
		}
		if spec.Streams.AggTrade {
			out = append(out, marketdata.AggTradeStream(s))
		}
		for _, iv := range spec.Streams.KlineIntervals {
			out = append(out, marketdata.KlineStream(s, string(iv)))
		}
	}
	return out
}
