package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Status types shared by TradingBot and SymbolWatch. The operator writes
// them from the running goroutine group's latest snapshot; users never set
// them. Money and ratios are decimal strings, as in the spec.

// BreakerState is the state of a circuit breaker.
// +kubebuilder:validation:Enum=Closed;Open;HalfOpen
type BreakerState string

// Circuit-breaker states.
const (
	// BreakerClosed lets every call through.
	BreakerClosed BreakerState = "Closed"
	// BreakerOpen refuses every call until its open duration has passed.
	BreakerOpen BreakerState = "Open"
	// BreakerHalfOpen lets a few trial calls through to decide whether to
	// close again.
	BreakerHalfOpen BreakerState = "HalfOpen"
)

// SignalAction is what a signal recommends.
// +kubebuilder:validation:Enum=BUY;SELL
type SignalAction string

// Signal actions, spelled like Binance order sides.
const (
	SignalBuy  SignalAction = "BUY"
	SignalSell SignalAction = "SELL"
)

// ExchangeStatus reports the resource's view of its exchange endpoint.
type ExchangeStatus struct {
	// endpoint is the resolved REST base URL in use.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// breaker is the state of the circuit breaker in front of the
	// resource's calls: the endpoint's, or, for a bot that trades, its
	// account's while that one is open or half-open (its orders wait).
	// +optional
	Breaker BreakerStatus `json:"breaker,omitempty"`

	// rateLimit is the use of the endpoint's request-weight and order
	// budgets.
	// +optional
	RateLimit RateLimitStatus `json:"rateLimit,omitempty"`

	// clockOffsetMs is the exchange's clock minus the operator's, in
	// milliseconds, as last measured.
	// +optional
	ClockOffsetMs int64 `json:"clockOffsetMs,omitempty"`

	// lastContactTime is when the exchange last answered.
	// +optional
	LastContactTime *metav1.Time `json:"lastContactTime,omitempty"`

	// unknownSymbols lists spec symbols the exchange does not list or does
	// not trade; they are skipped.
	// +listType=set
	// +optional
	UnknownSymbols []string `json:"unknownSymbols,omitempty"`
}

// BreakerStatus is a circuit breaker's state.
type BreakerStatus struct {
	// state is Closed, Open or HalfOpen.
	// +optional
	State BreakerState `json:"state,omitempty"`

	// failures is the current count of consecutive failures.
	// +optional
	Failures int32 `json:"failures,omitempty"`

	// lastTransitionTime is when state last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`

	// openUntil is when an open breaker will next let a trial call through.
	// +optional
	OpenUntil *metav1.Time `json:"openUntil,omitempty"`
}

// RateLimitStatus is the use of the exchange's rate budgets.
type RateLimitStatus struct {
	// usedWeight1m is the request weight used in the current minute, as
	// counted by the exchange.
	// +optional
	UsedWeight1m int32 `json:"usedWeight1m,omitempty"`

	// weightLimit1m is the request weight allowed per minute.
	// +optional
	WeightLimit1m int32 `json:"weightLimit1m,omitempty"`

	// weight is "usedWeight1m/weightLimit1m", for display.
	// +optional
	Weight string `json:"weight,omitempty"`

	// orders10s is the number of orders sent in the current 10 seconds.
	// +optional
	Orders10s int32 `json:"orders10s,omitempty"`

	// throttledRequests is how many requests have waited for budget since
	// the resource started.
	// +optional
	ThrottledRequests int64 `json:"throttledRequests,omitempty"`

	// retryAfterUntil is when a Retry-After from the exchange (HTTP 429)
	// expires; no requests are sent before then.
	// +optional
	RetryAfterUntil *metav1.Time `json:"retryAfterUntil,omitempty"`

	// banned is true while the exchange bans the operator's IP (HTTP 418).
	// +optional
	Banned bool `json:"banned,omitempty"`

	// bannedUntil is when the ban ends.
	// +optional
	BannedUntil *metav1.Time `json:"bannedUntil,omitempty"`
}

// MarketDataStatus reports the health of the resource's market streams.
type MarketDataStatus struct {
	// streams is the number of streams the resource is subscribed to.
	// +optional
	Streams int32 `json:"streams,omitempty"`

	// reconnects is how many times those streams have reconnected.
	// +optional
	Reconnects int64 `json:"reconnects,omitempty"`

	// lastEventTime is when the last market event arrived.
	// +optional
	LastEventTime *metav1.Time `json:"lastEventTime,omitempty"`

	// lagMs is the delay, in milliseconds, between an event's exchange time
	// and its arrival, for the latest event.
	// +optional
	LagMs int64 `json:"lagMs,omitempty"`
}

// SignalsStatus summarizes the signals produced.
type SignalsStatus struct {
	// total is the number of signals produced since the resource started
	// (at or above minConfidence, from fresh market data).
	// +optional
	Total int64 `json:"total,omitempty"`

	// buy and sell split total by side.
	// +optional
	Buy int64 `json:"buy,omitempty"`
	// +optional
	Sell int64 `json:"sell,omitempty"`

	// ignored counts signals the strategy computed but that were not
	// reported: below minConfidence, or computed from stale market data.
	// +optional
	Ignored int64 `json:"ignored,omitempty"`

	// summary is a short text for the SIGNALS column, such as
	// "3 BUY, 2 SELL; last SELL ETHUSDT".
	// +optional
	Summary string `json:"summary,omitempty"`

	// last holds the latest signal of each symbol.
	// +listType=map
	// +listMapKey=symbol
	// +optional
	Last []SymbolSignal `json:"last,omitempty"`
}

// SymbolSignal is one signal.
type SymbolSignal struct {
	// symbol is the symbol the signal is about.
	// +required
	Symbol string `json:"symbol"`

	// action is BUY or SELL.
	// +required
	Action SignalAction `json:"action"`

	// confidence is the strategy's confidence, a decimal from 0 to 1.
	// +optional
	Confidence string `json:"confidence,omitempty"`

	// price is the close of the kline the signal was computed on, a
	// decimal string.
	// +optional
	Price string `json:"price,omitempty"`

	// reason says why the strategy signalled, with its indicator values.
	// +optional
	Reason string `json:"reason,omitempty"`

	// time is the close time of the kline the signal was computed on.
	// +required
	Time metav1.Time `json:"time"`
}

// RecordingStatus reports the InfluxDB writes.
type RecordingStatus struct {
	// pointsWritten is how many points have been written.
	// +optional
	PointsWritten int64 `json:"pointsWritten,omitempty"`

	// pointsPending is how many points wait in the buffer.
	// +optional
	PointsPending int64 `json:"pointsPending,omitempty"`

	// pointsDropped is how many points were given up (buffer or spool
	// full, refused by InfluxDB, invalid, undelivered at shutdown).
	// +optional
	PointsDropped int64 `json:"pointsDropped,omitempty"`

	// pointsReplayed is how many of the resource's points the operator
	// replayed from its spool directory at start (delivery is at least
	// once: a replayed point InfluxDB already held overwrites itself).
	// +optional
	PointsReplayed int64 `json:"pointsReplayed,omitempty"`

	// spoolPercent is how full the operator's spool directory is, 0 to
	// 100; absent without a spool.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	SpoolPercent int32 `json:"spoolPercent,omitempty"`

	// lastFlushTime is when a batch was last written.
	// +optional
	LastFlushTime *metav1.Time `json:"lastFlushTime,omitempty"`

	// lastError is the last write error, empty once a write succeeds.
	// +optional
	LastError string `json:"lastError,omitempty"`
}

// TaskStatus is the state of one named task in the resource's goroutine
// group, such as "market", "signal", "trading" or "recording".
type TaskStatus struct {
	// name is the task's name.
	// +required
	Name string `json:"name"`

	// state is the task's state as the supervisor reports it, such as
	// Running, Restarting or Stopped.
	// +optional
	State string `json:"state,omitempty"`

	// restarts is how many times the task was restarted after a failure or
	// a panic.
	// +optional
	Restarts int32 `json:"restarts,omitempty"`

	// lastError is the error (or panic) that last stopped the task.
	// +optional
	LastError string `json:"lastError,omitempty"`

	// since is when the task entered state.
	// +optional
	Since metav1.Time `json:"since,omitempty"`
}
