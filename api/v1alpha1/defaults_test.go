package v1alpha1

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTradingBotSpecSetDefaults(t *testing.T) {
	var s TradingBotSpec
	s.Strategy = StrategySpec{Type: StrategyRSI, RSI: &RSIParams{}}
	s.Exchange.CredentialsSecretRef = &CredentialsSecretRef{Name: "keys"}
	s.SetDefaults()

	checks := []struct {
		field     string
		got, want any
	}{
		{"mode", s.Mode, ModePaper},
		{"exchange.name", s.Exchange.Name, ExchangeBinance},
		{"exchange.endpoint", s.Exchange.Endpoint, EndpointSimulator},
		{"exchange.keyType", s.Exchange.KeyType, KeyTypeHMAC},
		{"exchange.credentialsSecretRef.apiKeyKey", s.Exchange.CredentialsSecretRef.APIKeyKey, "apiKey"},
		{"exchange.credentialsSecretRef.secretKeyKey", s.Exchange.CredentialsSecretRef.SecretKeyKey, "secretKey"},
		{"strategy.interval", s.Strategy.Interval, Interval1m},
		{"strategy.minConfidence", s.Strategy.MinConfidence, Decimal("0.6")},
		{"strategy.signalRetention", s.Strategy.SignalRetention.Duration, 24 * time.Hour},
		{"strategy.rsi.period", s.Strategy.RSI.Period, int32(14)},
		{"strategy.rsi.oversold", s.Strategy.RSI.Oversold, Decimal("30")},
		{"strategy.rsi.overbought", s.Strategy.RSI.Overbought, Decimal("70")},
		{"strategy.bollingerBands", s.Strategy.BollingerBands, (*BollingerParams)(nil)},
		{"risk.maxOrderQuote", s.Risk.MaxOrderQuote, Decimal("100")},
		{"risk.maxPositionQuote", s.Risk.MaxPositionQuote, Decimal("1000")},
		{"risk.maxOrdersPerMinute", s.Risk.MaxOrdersPerMinute, int32(10)},
		{"risk.cooldown", s.Risk.Cooldown.Duration, 30 * time.Second},
		{"risk.maxDailyLossQuote", s.Risk.MaxDailyLossQuote, Decimal("100")},
		{"rateLimits.requestWeightPerMinute", s.RateLimits.RequestWeightPerMinute, int32(600)},
		{"rateLimits.ordersPer10s", s.RateLimits.OrdersPer10s, int32(10)},
		{"batching.enabled", s.Batching.IsEnabled(), true},
		{"batching.maxBatchSize", s.Batching.MaxBatchSize, int32(20)},
		{"batching.maxWait", s.Batching.MaxWait.Duration, 50 * time.Millisecond},
		{"circuitBreaker.failureThreshold", s.CircuitBreaker.FailureThreshold, int32(5)},
		{"circuitBreaker.openDuration", s.CircuitBreaker.OpenDuration.Duration, 30 * time.Second},
		{"circuitBreaker.halfOpenMaxRequests", s.CircuitBreaker.HalfOpenMaxRequests, int32(1)},
		{"retry.maxAttempts", s.Retry.MaxAttempts, int32(4)},
		{"retry.baseDelay", s.Retry.BaseDelay.Duration, 200 * time.Millisecond},
		{"retry.maxDelay", s.Retry.MaxDelay.Duration, 10 * time.Second},
		{"retry.jitter", s.Retry.Jitter, NonNegativeDecimal("0.2")},
		{"recording.enabled", s.Recording.IsEnabled(), true},
		{"recording.database", s.Recording.Database, "tradebot"},
		{"recording.retentionPolicy", s.Recording.RetentionPolicy, ""},
		{"recording.batchSize", s.Recording.BatchSize, int32(1000)},
		{"recording.flushInterval", s.Recording.FlushInterval.Duration, 2 * time.Second},
		{"recording.marketData", s.Recording.MarketData, MarketDataShared},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
}

func TestSetDefaultsKeepsValuesSet(t *testing.T) {
	off := false
	s := TradingBotSpec{
		Mode:     ModeLive,
		Exchange: ExchangeSpec{Endpoint: EndpointMainnet, KeyType: KeyTypeEd25519},
		Strategy: StrategySpec{
			Type: StrategyBollingerBands, Interval: Interval4h, MinConfidence: "0.9",
			BollingerBands: &BollingerParams{Period: 50, StdDevMultiplier: "3"},
		},
		Risk:      RiskSpec{Cooldown: &metav1.Duration{}, MaxOrderQuote: "5"},
		Batching:  BatchingSpec{Enabled: &off},
		Retry:     RetrySpec{Jitter: "0", MaxAttempts: 1},
		Recording: RecordingSpec{Enabled: &off, Database: "other"},
	}
	want := *s.DeepCopy()
	s.SetDefaults()

	checks := []struct {
		field     string
		got, want any
	}{
		{"mode", s.Mode, want.Mode},
		{"exchange.endpoint", s.Exchange.Endpoint, want.Exchange.Endpoint},
		{"exchange.keyType", s.Exchange.KeyType, want.Exchange.KeyType},
		{"strategy.interval", s.Strategy.Interval, want.Strategy.Interval},
		{"strategy.minConfidence", s.Strategy.MinConfidence, want.Strategy.MinConfidence},
		{"strategy.bollingerBands", *s.Strategy.BollingerBands, *want.Strategy.BollingerBands},
		{"risk.cooldown", s.Risk.Cooldown.Duration, time.Duration(0)},
		{"risk.maxOrderQuote", s.Risk.MaxOrderQuote, Decimal("5")},
		{"batching.enabled", s.Batching.IsEnabled(), false},
		{"retry.jitter", s.Retry.Jitter, NonNegativeDecimal("0")},
		{"retry.maxAttempts", s.Retry.MaxAttempts, int32(1)},
		{"recording.enabled", s.Recording.IsEnabled(), false},
		{"recording.database", s.Recording.Database, "other"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}

	// A second call changes nothing.
	again := *s.DeepCopy()
	again.SetDefaults()
	if !reflect.DeepEqual(again, s) {
		t.Errorf("SetDefaults is not idempotent:\n first: %+v\nsecond: %+v", s, again)
	}
}

func TestSymbolWatchSpecSetDefaults(t *testing.T) {
	tests := []struct {
		name        string
		in          SymbolWatchSpec
		wantTicker  bool
		wantKlines  []KlineInterval
		wantSignals *StrategySpec
	}{
		{
			name:       "unset streams",
			wantTicker: true,
			wantKlines: []KlineInterval{Interval1m},
		},
		{
			name:       "explicit empty klines and no ticker",
			in:         SymbolWatchSpec{Streams: StreamsSpec{Ticker: new(bool), Trade: true, KlineIntervals: []KlineInterval{}}},
			wantTicker: false,
			wantKlines: []KlineInterval{},
		},
		{
			name:       "signals get strategy defaults",
			in:         SymbolWatchSpec{Signals: &StrategySpec{Type: StrategySMACrossover, SMACrossover: &CrossoverParams{FastPeriod: 3, SlowPeriod: 7}}},
			wantTicker: true,
			wantKlines: []KlineInterval{Interval1m},
			wantSignals: &StrategySpec{
				Type: StrategySMACrossover, Interval: Interval1m, MinConfidence: "0.6",
				SMACrossover:    &CrossoverParams{FastPeriod: 3, SlowPeriod: 7},
				SignalRetention: &metav1.Duration{Duration: 24 * time.Hour},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.in
			s.SetDefaults()
			if got := s.Streams.TickerEnabled(); got != tc.wantTicker {
				t.Errorf("ticker = %v, want %v", got, tc.wantTicker)
			}
			if !reflect.DeepEqual(s.Streams.KlineIntervals, tc.wantKlines) {
				t.Errorf("klineIntervals = %#v, want %#v", s.Streams.KlineIntervals, tc.wantKlines)
			}
			if !reflect.DeepEqual(s.Signals, tc.wantSignals) {
				t.Errorf("signals = %+v, want %+v", s.Signals, tc.wantSignals)
			}
			if s.Exchange.Endpoint != EndpointSimulator || s.Recording.Database != "tradebot" {
				t.Errorf("exchange or recording not defaulted: %+v %+v", s.Exchange, s.Recording)
			}
		})
	}
}

func TestEnabledHelpersTreatNilAsOn(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name string
		flag *bool
		want bool
	}{
		{"nil", nil, true},
		{"true", &on, true},
		{"false", &off, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (BatchingSpec{Enabled: tc.flag}).IsEnabled(); got != tc.want {
				t.Errorf("BatchingSpec.IsEnabled = %v, want %v", got, tc.want)
			}
			if got := (RecordingSpec{Enabled: tc.flag}).IsEnabled(); got != tc.want {
				t.Errorf("RecordingSpec.IsEnabled = %v, want %v", got, tc.want)
			}
			if got := (StreamsSpec{Ticker: tc.flag}).TickerEnabled(); got != tc.want {
				t.Errorf("StreamsSpec.TickerEnabled = %v, want %v", got, tc.want)
			}
		})
	}
}
