package controller

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

func TestSignalsStatus(t *testing.T) {
	previous := &tradingv1alpha1.SignalsStatus{Total: 4, Buy: 2, Sell: 2, Summary: "2 BUY, 2 SELL; last BUY BTCUSDT"}
	if got := signalsStatus(botgroup.SignalSnapshot{}, previous); got != previous {
		t.Errorf("without a strategy the previous signals must stay: got %+v", got)
	}
	if got := signalsStatus(botgroup.SignalSnapshot{Enabled: true}, nil); got.Summary != "none yet" || got.Total != 0 {
		t.Errorf("no signal yet: %+v", got)
	}
	if got := signalsStatus(botgroup.SignalSnapshot{Enabled: true, BelowConfidence: 2, Stale: 1, IgnoredBefore: 4}, nil); got.Summary != "none (7 ignored)" || got.Ignored != 7 {
		t.Errorf("only ignored signals: %+v", got)
	}

	at := time.Date(2026, 12, 4, 17, 23, 14, 999_000_000, time.UTC)
	entry := func(sym string, side signal.Side, price string, close time.Time) signal.Entry {
		return signal.Entry{Signal: signal.Signal{Symbol: sym, Side: side, Confidence: 0.9114,
			Price: decimal.RequireFromString(price), KlineOpen: close.Add(-time.Second + time.Millisecond), KlineClose: close,
			Strategy: "SMACrossover"}.WithReason("SMA(2) 974.5 crossed above SMA(5) 973.6")}
	}
	sn := botgroup.SignalSnapshot{Enabled: true, Counts: signal.Counts{Total: 5, Buy: 3, Sell: 2}, Stale: 1,
		Last: []signal.Entry{entry("BTCUSDT", signal.Buy, "976", at.Add(-time.Minute)), entry("ETHUSDT", signal.Sell, "3200.5", at)}}
	got := signalsStatus(sn, nil)
	if got.Total != 5 || got.Buy != 3 || got.Sell != 2 || got.Ignored != 1 {
		t.Errorf("counts %+v", got)
	}
	if want := "3 BUY, 2 SELL; last SELL ETHUSDT"; got.Summary != want {
		t.Errorf("summary %q, want %q", got.Summary, want)
	}
	if len(got.Last) != 2 || got.Last[1].Symbol != "ETHUSDT" || got.Last[1].Action != tradingv1alpha1.SignalSell ||
		got.Last[1].Price != "3200.5" || got.Last[1].Confidence != "0.9114" || !got.Last[1].Time.Time.Equal(at) {
		t.Errorf("last %+v", got.Last)
	}
	// Same inputs, same status: no status write without a change.
	if again := signalsStatus(sn, nil); again.Summary != got.Summary || len(again.Last) != len(got.Last) {
		t.Errorf("status computed twice differs: %+v vs %+v", again, got)
	}
}
