package validation

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// TestSamplesAreAcceptedAndDefaulted creates the samples for real, reads
// them back and checks every field, the ones the schema defaulted included.
func TestSamplesAreAcceptedAndDefaulted(t *testing.T) {
	ctx := context.Background()

	t.Run("tradingbot", func(t *testing.T) {
		var bot v1.TradingBot
		readSample(t, "trading_v1alpha1_tradingbot.yaml", &bot)
		got := createAndRead(ctx, t, &bot, &v1.TradingBot{}).(*v1.TradingBot)
		want := v1.TradingBotSpec{
			Mode: v1.ModePaper,
			Exchange: v1.ExchangeSpec{
				Name: v1.ExchangeBinance, Endpoint: v1.EndpointSimulator, KeyType: v1.KeyTypeHMAC,
			},
			Symbols: []string{"BTCUSDT", "ETHUSDT"},
			Strategy: v1.StrategySpec{
				Type:            v1.StrategySMACrossover,
				Interval:        v1.Interval1s,
				SMACrossover:    &v1.CrossoverParams{FastPeriod: 9, SlowPeriod: 21},
				MinConfidence:   "0.6",
				SignalRetention: duration(24 * time.Hour),
			},
			Risk: v1.RiskSpec{
				MaxOrderQuote: "50", MaxPositionQuote: "500", MaxOrdersPerMinute: 6,
				Cooldown: duration(time.Minute), MaxDailyLossQuote: "25",
			},
			Orders:     v1.OrderSpec{Type: v1.OrderMarket, CancelAfter: duration(time.Minute)},
			RateLimits: v1.RateLimitsSpec{RequestWeightPerMinute: 600, OrdersPer10s: 10},
			Batching: v1.BatchingSpec{
				Enabled: ptr(true), MaxBatchSize: 20, MaxWait: duration(50 * time.Millisecond),
			},
			CircuitBreaker: v1.CircuitBreakerSpec{
				FailureThreshold: 5, OpenDuration: duration(30 * time.Second), HalfOpenMaxRequests: 1,
			},
			Retry: v1.RetrySpec{
				MaxAttempts: 4, BaseDelay: duration(200 * time.Millisecond),
				MaxDelay: duration(10 * time.Second), Jitter: "0.2",
			},
			Recording: v1.RecordingSpec{
				Enabled: ptr(true), Database: "tradebot", BatchSize: 1000,
				FlushInterval: duration(2 * time.Second), MarketData: v1.MarketDataShared,
			},
		}
		assertSpec(t, got.Spec, want)
	})

	t.Run("symbolwatch", func(t *testing.T) {
		var watch v1.SymbolWatch
		readSample(t, "trading_v1alpha1_symbolwatch.yaml", &watch)
		got := createAndRead(ctx, t, &watch, &v1.SymbolWatch{}).(*v1.SymbolWatch)
		want := v1.SymbolWatchSpec{
			Exchange: v1.ExchangeSpec{
				Name: v1.ExchangeBinance, Endpoint: v1.EndpointSimulator, KeyType: v1.KeyTypeHMAC,
			},
			Symbols: []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"},
			Streams: v1.StreamsSpec{Ticker: ptr(true), KlineIntervals: []v1.KlineInterval{v1.Interval1m}},
			Recording: v1.RecordingSpec{
				Enabled: ptr(true), Database: "tradebot", BatchSize: 1000,
				FlushInterval: duration(2 * time.Second), MarketData: v1.MarketDataShared,
			},
			Signals: &v1.StrategySpec{
				Type: v1.StrategyEMACrossover, Interval: v1.Interval1s, MinConfidence: "0.6",
				EMACrossover:    &v1.CrossoverParams{FastPeriod: 5, SlowPeriod: 13},
				SignalRetention: duration(24 * time.Hour),
			},
		}
		assertSpec(t, got.Spec, want)
	})
}

// TestSamplesKustomization checks that config/samples/kustomization.yaml
// lists every sample, so `kubectl apply -k` applies them all.
func TestSamplesKustomization(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "samples", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatal(err)
	}
	samples, err := filepath.Glob(filepath.Join(repoRoot, "config", "samples", "trading_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range samples {
		want = append(want, filepath.Base(s))
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources = %v, want %v", got, want)
	}
}

// readSample decodes a file of config/samples into obj.
func readSample(t *testing.T, name string, obj client.Object) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(raw, obj); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
}

// createAndRead creates obj in the default namespace, reads it back into
// into, deletes it when the test ends and returns into.
func createAndRead(ctx context.Context, t *testing.T, obj, into client.Object) client.Object {
	t.Helper()
	if obj.GetNamespace() == "" {
		obj.SetNamespace("default")
	}
	if err := k8sClient.Create(ctx, obj); err != nil {
		t.Fatalf("creating %s: %v", obj.GetName(), err)
	}
	t.Cleanup(func() {
		if err := k8sClient.Delete(context.Background(), obj); err != nil {
			t.Errorf("deleting %s: %v", obj.GetName(), err)
		}
	})
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), into); err != nil {
		t.Fatalf("reading %s back: %v", obj.GetName(), err)
	}
	return into
}

// assertSpec fails the test when got and want differ, showing both as JSON.
func assertSpec(t *testing.T, got, want any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	t.Errorf("spec read back differs\n got: %s\nwant: %s", g, w)
}

func duration(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func ptr[T any](v T) *T { return &v }
