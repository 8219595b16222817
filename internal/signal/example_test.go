package signal_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// A strategy from a spec, warmed up with closed klines, then fed live ones.
func Example() {
	cfg, err := signal.ConfigFromSpec(v1alpha1.StrategySpec{
		Type:          v1alpha1.StrategySMACrossover,
		SMACrossover:  &v1alpha1.CrossoverParams{FastPeriod: 2, SlowPeriod: 4},
		MinConfidence: "0.6",
	})
	if err != nil {
		panic(err)
	}
	st, err := signal.New(cfg, "BTCUSDT")
	if err != nil {
		panic(err)
	}
	fmt.Println("warm-up klines:", st.WarmupKlines())

	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	closes := []string{"30", "29.5", "28", "28.2", "27", "26.1", "25", "24.6", "23", "22.4", "21", "19", // warm-up
		"25", "26", "24", "21"} // live
	for i, c := range closes {
		open := start.Add(time.Duration(i) * time.Minute)
		k := signal.Kline{Symbol: "BTCUSDT", OpenTime: open, CloseTime: open.Add(time.Minute - time.Millisecond),
			Close: decimal.RequireFromString(c)}
		if s, ok := st.Update(k); ok {
			fmt.Printf("%s %s at %s, confidence %.4f, acted on: %v: %s\n",
				s.KlineOpen.Format("15:04"), s.Side, s.Price, s.Confidence, cfg.Accepts(s), s.Reason())
		}
	}
	// Output:
	// warm-up klines: 12
	// 03:12 BUY at 25, confidence 0.9922, acted on: true: SMA(2) 22 crossed above SMA(4) 21.85
	// 03:15 SELL at 21, confidence 0.7012, acted on: true: SMA(2) 22.5 crossed below SMA(4) 24
}
