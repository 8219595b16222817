package validation

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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

// TestStoredDefaults pins which blocks of a TradingBot the API server
// defaults into the stored object. The mode, exchange, risk limits and order
// settings are stored, so that the limits a bot trades under show in
// kubectl get -o yaml; the tuning blocks are stored only when a manifest
// gives them (then completed), because five defaulted blocks in every bot
// made each write of it cost the API server about a quarter more
// (docs/scale.md). Left out, the operator applies the same values in Go.
func TestStoredDefaults(t *testing.T) {
	ctx := context.Background()
	stored := func(t *testing.T, name, extra string) map[string]any {
		t.Helper()
		obj := mustObject(t, `
apiVersion: trading.tradebot.dev/v1alpha1
kind: TradingBot
metadata: {name: `+name+`}
spec:
  symbols: [BTCUSDT]
  strategy: {type: SMACrossover, smaCrossover: {fastPeriod: 5, slowPeriod: 8}}
`+extra)
		got := createAndRead(ctx, t, obj, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": obj.GetAPIVersion(), "kind": obj.GetKind(),
		}}).(*unstructured.Unstructured)
		spec, _ := got.Object["spec"].(map[string]any)
		return spec
	}
	var want v1.TradingBotSpec
	want.SetDefaults()

	spec := stored(t, "stored-defaults-minimal", "")
	for _, block := range []string{"mode", "exchange", "risk", "orders"} {
		if _, ok := spec[block]; !ok {
			t.Errorf("spec.%s was not defaulted into the stored object: %v", block, spec)
		}
	}
	risk, _ := spec["risk"].(map[string]any)
	if risk["maxOrderQuote"] != string(want.Risk.MaxOrderQuote) || risk["maxPositionQuote"] != string(want.Risk.MaxPositionQuote) {
		t.Errorf("stored spec.risk = %v; want the Go defaults %+v", risk, want.Risk)
	}
	for _, block := range []string{"rateLimits", "batching", "circuitBreaker", "retry", "recording"} {
		if v, ok := spec[block]; ok {
			t.Errorf("spec.%s was stored although the manifest left it out: %v", block, v)
		}
	}

	spec = stored(t, "stored-defaults-retry", "  retry: {maxAttempts: 2}\n")
	retry, _ := spec["retry"].(map[string]any)
	if retry["maxAttempts"] != int64(2) || retry["baseDelay"] != want.Retry.BaseDelay.Duration.String() || retry["jitter"] != string(want.Retry.Jitter) {
		t.Errorf("a given retry block was not completed with the defaults: %v; want maxAttempts 2 and %+v", retry, want.Retry)
	}
}
