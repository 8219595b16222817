package validation

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// TestGoDefaultsMatchSchema creates objects built in Go with most fields
// unset, lets the API server default them, and checks that SetDefaults
// produces the very same spec. A default changed in a marker but not in
// api/v1alpha1/defaults.go (or the reverse) fails here.
func TestGoDefaultsMatchSchema(t *testing.T) {
	ctx := context.Background()
	symbols := []string{"BTCUSDT"}
	bots := map[string]v1.TradingBotSpec{
		"sma": {
			Symbols:  symbols,
			Strategy: v1.StrategySpec{Type: v1.StrategySMACrossover, SMACrossover: &v1.CrossoverParams{FastPeriod: 5, SlowPeriod: 8}},
		},
		"rsi-empty-block": {
			Symbols:  symbols,
			Strategy: v1.StrategySpec{Type: v1.StrategyRSI, RSI: &v1.RSIParams{}},
		},
		"bollinger-empty-block-with-credentials": {
			Exchange: v1.ExchangeSpec{CredentialsSecretRef: &v1.CredentialsSecretRef{Name: "keys"}},
			Symbols:  symbols,
			Strategy: v1.StrategySpec{Type: v1.StrategyBollingerBands, BollingerBands: &v1.BollingerParams{}},
		},
		"explicit-zeroes-kept": {
			Symbols:  symbols,
			Strategy: v1.StrategySpec{Type: v1.StrategyEMACrossover, EMACrossover: &v1.CrossoverParams{FastPeriod: 2, SlowPeriod: 3}},
			Risk:     v1.RiskSpec{Cooldown: &metav1.Duration{}},
			Batching: v1.BatchingSpec{Enabled: ptr(false), MaxWait: &metav1.Duration{}},
			Retry:    v1.RetrySpec{Jitter: "0"},
		},
	}
	for name, spec := range bots {
		t.Run("tradingbot/"+name, func(t *testing.T) {
			bot := &v1.TradingBot{ObjectMeta: metav1.ObjectMeta{Name: "defaults-" + name}, Spec: spec}
			want := *spec.DeepCopy()
			want.SetDefaults()
			got := createAndRead(ctx, t, bot, &v1.TradingBot{}).(*v1.TradingBot)
			assertSpec(t, got.Spec, want)
		})
	}

	watches := map[string]v1.SymbolWatchSpec{
		"minimal": {Symbols: symbols},
		"rsi-signals": {
			Symbols: symbols,
			Signals: &v1.StrategySpec{Type: v1.StrategyRSI, RSI: &v1.RSIParams{Period: 7}},
		},
		"trades-only": {
			Symbols: symbols,
			Streams: v1.StreamsSpec{Ticker: ptr(false), Trade: true, KlineIntervals: []v1.KlineInterval{}},
		},
	}
	for name, spec := range watches {
		t.Run("symbolwatch/"+name, func(t *testing.T) {
			watch := &v1.SymbolWatch{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("defaults-%s", name)}, Spec: spec}
			want := *spec.DeepCopy()
			want.SetDefaults()
			got := createAndRead(ctx, t, watch, &v1.SymbolWatch{}).(*v1.SymbolWatch)
			assertSpec(t, got.Spec, want)
		})
	}
}
