package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The schema's defaults, repeated for SetDefaults. The envtest suite in
// test/validation checks that the two agree, so a marker changed without
// this file (or the reverse) fails a test.
const (
	defaultInterval         = Interval1m
	defaultMinConfidence    = Decimal("0.6")
	defaultRSIPeriod        = 14
	defaultRSIOversold      = Decimal("30")
	defaultRSIOverbought    = Decimal("70")
	defaultBollingerPeriod  = 20
	defaultBollingerStdDevs = Decimal("2")

	defaultMaxOrderQuote      = Decimal("100")
	defaultMaxPositionQuote   = Decimal("1000")
	defaultMaxOrdersPerMinute = 10
	defaultCooldown           = 30 * time.Second
	defaultSignalRetention    = 24 * time.Hour
	defaultMaxDailyLossQuote  = Decimal("100")
	defaultOrderType          = OrderMarket
	defaultCancelAfter        = time.Minute

	defaultRequestWeightPerMinute = 600
	defaultOrdersPer10s           = 10

	defaultMaxBatchSize = 20
	defaultMaxWait      = 50 * time.Millisecond

	defaultFailureThreshold    = 5
	defaultOpenDuration        = 30 * time.Second
	defaultHalfOpenMaxRequests = 1

	defaultMaxAttempts = 4
	defaultBaseDelay   = 200 * time.Millisecond
	defaultMaxDelay    = 10 * time.Second
	defaultJitter      = NonNegativeDecimal("0.2")

	defaultDatabase      = "tradebot"
	defaultBatchSize     = 1000
	defaultFlushInterval = 2 * time.Second

	defaultAPIKeyKey    = "apiKey"
	defaultSecretKeyKey = "secretKey"
)

// SetDefaults fills every unset field of s with the default the CRD schema
// would apply, so that a spec built in Go (in a test, or before the object
// reaches the API server) reads like one returned by the server. Unset means
// what it means once the object is serialized: a nil pointer or list, an
// empty string, or a zero number (zero is never a valid value for the numbers
// that have defaults). Values already set are left alone, so calling it on an
// object read from the API server changes nothing.
func (s *TradingBotSpec) SetDefaults() {
	if s.Mode == "" {
		s.Mode = ModePaper
	}
	s.Exchange.setDefaults()
	s.Strategy.setDefaults()
	s.Risk.setDefaults()
	s.Orders.setDefaults()
	s.RateLimits.setDefaults()
	s.Batching.setDefaults()
	s.CircuitBreaker.setDefaults()
	s.Retry.setDefaults()
	s.Recording.setDefaults()
}

// SetDefaults fills every unset field of s with the default the CRD schema
// would apply; see TradingBotSpec.SetDefaults.
func (s *SymbolWatchSpec) SetDefaults() {
	s.Exchange.setDefaults()
	s.Streams.setDefaults()
	s.Recording.setDefaults()
	if s.Signals != nil {
		s.Signals.setDefaults()
	}
}

// IsEnabled reports whether batching is on; unset means on.
func (b BatchingSpec) IsEnabled() bool { return b.Enabled == nil || *b.Enabled }

// IsEnabled reports whether recording is on; unset means on.
func (r RecordingSpec) IsEnabled() bool { return r.Enabled == nil || *r.Enabled }

// TickerEnabled reports whether the 24-hour ticker stream is on; unset means
// on.
func (s StreamsSpec) TickerEnabled() bool { return s.Ticker == nil || *s.Ticker }

func (e *ExchangeSpec) setDefaults() {
	setIfZero(&e.Name, ExchangeBinance)
	setIfZero(&e.Endpoint, EndpointSimulator)
	setIfZero(&e.KeyType, KeyTypeHMAC)
	if e.CredentialsSecretRef != nil {
		setIfZero(&e.CredentialsSecretRef.APIKeyKey, defaultAPIKeyKey)
		setIfZero(&e.CredentialsSecretRef.SecretKeyKey, defaultSecretKeyKey)
	}
}

func (s *StrategySpec) setDefaults() {
	setIfZero(&s.Interval, defaultInterval)
	setIfZero(&s.MinConfidence, defaultMinConfidence)
	setDurationIfNil(&s.SignalRetention, defaultSignalRetention)
	if s.RSI != nil {
		setIfZero(&s.RSI.Period, defaultRSIPeriod)
		setIfZero(&s.RSI.Oversold, defaultRSIOversold)
		setIfZero(&s.RSI.Overbought, defaultRSIOverbought)
	}
	if s.BollingerBands != nil {
		setIfZero(&s.BollingerBands.Period, defaultBollingerPeriod)
		setIfZero(&s.BollingerBands.StdDevMultiplier, defaultBollingerStdDevs)
	}
}

func (r *RiskSpec) setDefaults() {
	setIfZero(&r.MaxOrderQuote, defaultMaxOrderQuote)
	setIfZero(&r.MaxPositionQuote, defaultMaxPositionQuote)
	setIfZero(&r.MaxOrdersPerMinute, defaultMaxOrdersPerMinute)
	setDurationIfNil(&r.Cooldown, defaultCooldown)
	setIfZero(&r.MaxDailyLossQuote, defaultMaxDailyLossQuote)
}

func (o *OrderSpec) setDefaults() {
	setIfZero(&o.Type, defaultOrderType)
	setDurationIfNil(&o.CancelAfter, defaultCancelAfter)
}

func (r *RateLimitsSpec) setDefaults() {
	setIfZero(&r.RequestWeightPerMinute, defaultRequestWeightPerMinute)
	setIfZero(&r.OrdersPer10s, defaultOrdersPer10s)
}

func (b *BatchingSpec) setDefaults() {
	setBoolIfNil(&b.Enabled, true)
	setIfZero(&b.MaxBatchSize, defaultMaxBatchSize)
	setDurationIfNil(&b.MaxWait, defaultMaxWait)
}

func (c *CircuitBreakerSpec) setDefaults() {
	setIfZero(&c.FailureThreshold, defaultFailureThreshold)
	setDurationIfNil(&c.OpenDuration, defaultOpenDuration)
	setIfZero(&c.HalfOpenMaxRequests, defaultHalfOpenMaxRequests)
}

func (r *RetrySpec) setDefaults() {
	setIfZero(&r.MaxAttempts, defaultMaxAttempts)
	setDurationIfNil(&r.BaseDelay, defaultBaseDelay)
	setDurationIfNil(&r.MaxDelay, defaultMaxDelay)
	setIfZero(&r.Jitter, defaultJitter)
}

func (r *RecordingSpec) setDefaults() {
	setBoolIfNil(&r.Enabled, true)
	setIfZero(&r.Database, defaultDatabase)
	setIfZero(&r.BatchSize, defaultBatchSize)
	setDurationIfNil(&r.FlushInterval, defaultFlushInterval)
	setIfZero(&r.MarketData, MarketDataShared)
}

func (s *StreamsSpec) setDefaults() {
	setBoolIfNil(&s.Ticker, true)
	// Only an absent list is defaulted: an explicit empty one (no klines)
	// is the user's choice, as it is for the API server.
	if s.KlineIntervals == nil {
		s.KlineIntervals = []KlineInterval{defaultInterval}
	}
}

// setIfZero sets *field to def when *field is its type's zero value.
func setIfZero[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// setDurationIfNil points *field at def when it is nil.
func setDurationIfNil(field **metav1.Duration, def time.Duration) {
	if *field == nil {
		*field = &metav1.Duration{Duration: def}
	}
}

// setBoolIfNil points *field at a fresh copy of def when it is nil.
func setBoolIfNil(field **bool, def bool) {
	if *field == nil {
		*field = &def
	}
}
