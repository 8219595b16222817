package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// WatchPhase is a one-word summary of a SymbolWatch's state; the conditions
// carry the detail.
// +kubebuilder:validation:Enum=Pending;Running;Degraded;Suspended;Failed
type WatchPhase string

// SymbolWatch phases.
const (
	// WatchPhasePending: accepted, the goroutine group is starting.
	WatchPhasePending WatchPhase = "Pending"
	// WatchPhaseRunning: streams are fresh and the exchange is reachable.
	WatchPhaseRunning WatchPhase = "Running"
	// WatchPhaseDegraded: running, but something is wrong (stale streams,
	// breaker open, rate limited, recording failing, a task restarting).
	WatchPhaseDegraded WatchPhase = "Degraded"
	// WatchPhaseSuspended: spec.suspend is true; the group is stopped.
	WatchPhaseSuspended WatchPhase = "Suspended"
	// WatchPhaseFailed: the watch cannot run as specified until the spec or
	// the cluster changes.
	WatchPhaseFailed WatchPhase = "Failed"
)

// SymbolWatchSpec is the desired state of a SymbolWatch: market data to
// stream, record and optionally turn into alert-only signals. It never
// trades.
// +kubebuilder:validation:XValidation:rule="!has(self.exchange.credentialsSecretRef)",message="credentialsSecretRef is not used by a SymbolWatch: market data needs no credentials",fieldPath=".exchange.credentialsSecretRef",reason="FieldValueForbidden"
type SymbolWatchSpec struct {
	// suspend stops the watch's goroutines while true. Default false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// exchange says where to read market data from. Every field has a
	// default, so leaving it out (or "exchange: {}") watches the simulator.
	// Credentials are not used and may not be set.
	// +kubebuilder:default={}
	// +optional
	Exchange ExchangeSpec `json:"exchange,omitempty"`

	// symbols are the exchange symbols to watch, such as BTCUSDT: 1 to 50
	// distinct, each 2 to 20 capital letters or digits.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MinLength=2
	// +kubebuilder:validation:items:MaxLength=20
	// +kubebuilder:validation:items:XValidation:rule=`self.matches('^[A-Z0-9]{2,20}$')`,message=`a symbol is 2 to 20 capital letters or digits, as the exchange spells it, such as "BTCUSDT"`,messageExpression=`'a symbol is 2 to 20 capital letters or digits, as the exchange spells it, such as "BTCUSDT"; got "' + self + '"'`
	// +required
	Symbols []string `json:"symbols"`

	// streams chooses the market streams to subscribe to for every symbol:
	// by default the 24-hour ticker and 1m klines.
	// +kubebuilder:default={ticker: true, klineIntervals: {"1m"}}
	// +optional
	Streams StreamsSpec `json:"streams,omitempty"`

	// recording controls what is written to InfluxDB.
	// +kubebuilder:default={}
	// +optional
	Recording RecordingSpec `json:"recording,omitempty"`

	// signals, when set, runs a strategy on the watched symbols and reports
	// its signals in status and events; nothing is traded.
	// +optional
	Signals *StrategySpec `json:"signals,omitempty"`
}

// StreamsSpec chooses market streams. At least one must be on.
// +kubebuilder:validation:XValidation:rule="(has(self.ticker) && self.ticker) || (has(self.bookTicker) && self.bookTicker) || (has(self.trade) && self.trade) || (has(self.aggTrade) && self.aggTrade) || (has(self.klineIntervals) && size(self.klineIntervals) > 0)",message="at least one stream must be enabled: ticker, bookTicker, trade, aggTrade or klineIntervals"
type StreamsSpec struct {
	// ticker subscribes to the 24-hour rolling ticker (default true); it
	// feeds status.symbols.
	// +kubebuilder:default=true
	// +optional
	Ticker *bool `json:"ticker,omitempty"`

	// bookTicker subscribes to best bid and ask updates.
	// +optional
	BookTicker bool `json:"bookTicker,omitempty"`

	// trade subscribes to every trade.
	// +optional
	Trade bool `json:"trade,omitempty"`

	// aggTrade subscribes to aggregated trades.
	// +optional
	AggTrade bool `json:"aggTrade,omitempty"`

	// klineIntervals subscribes to klines of these intervals (default
	// ["1m"]); at most 16, distinct. An empty list subscribes to none.
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:default={"1m"}
	// +optional
	KlineIntervals []KlineInterval `json:"klineIntervals"` // no omitempty: nil is sent as null, which the server drops and defaults; [] means none
}

// SymbolWatchStatus is the observed state of a SymbolWatch, written by the
// operator from the watch's running goroutine group.
type SymbolWatchStatus struct {
	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase summarizes the watch's state: Pending, Running, Degraded,
	// Suspended or Failed.
	// +optional
	Phase WatchPhase `json:"phase,omitempty"`

	// replica is the operator replica that runs this resource, when the
	// operator runs with --sharding; empty while no replica claims it. A
	// replica starts a resource only after writing its name here over an
	// empty value, its own, or that of a replica whose Lease has expired,
	// and clears it once the resource has stopped there.
	// +optional
	Replica string `json:"replica,omitempty"`

	// conditions are the detailed state: Ready, plus ExchangeReachable,
	// MarketDataFresh, RateLimited, CircuitOpen, Recording and SymbolsValid.
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// symbols holds the latest market figures of each watched symbol.
	// +listType=map
	// +listMapKey=symbol
	// +optional
	Symbols []SymbolMarketStatus `json:"symbols,omitempty"`

	// marketData reports the health of the watch's streams.
	// +optional
	MarketData *MarketDataStatus `json:"marketData,omitempty"`

	// lag is marketData.lagMs as a duration, such as "120ms", for display.
	// +optional
	Lag string `json:"lag,omitempty"`

	// exchange reports the exchange endpoint: breaker, rate limits, clock.
	// +optional
	Exchange *ExchangeStatus `json:"exchange,omitempty"`

	// recording reports the InfluxDB writes.
	// +optional
	Recording *RecordingStatus `json:"recording,omitempty"`

	// signals summarizes the alert-only signals, when spec.signals is set.
	// +optional
	Signals *SignalsStatus `json:"signals,omitempty"`

	// tasks lists the watch's goroutine-group tasks.
	// +listType=map
	// +listMapKey=name
	// +optional
	Tasks []TaskStatus `json:"tasks,omitempty"`
}

// SymbolMarketStatus holds the latest market figures of one symbol.
type SymbolMarketStatus struct {
	// symbol is the exchange symbol.
	// +required
	Symbol string `json:"symbol"`

	// lastPrice is the last traded price, a decimal string.
	// +optional
	LastPrice string `json:"lastPrice,omitempty"`

	// priceChangePercent24h is the price change over the last 24 hours, in
	// percent, a decimal string that may be negative.
	// +optional
	PriceChangePercent24h string `json:"priceChangePercent24h,omitempty"`

	// lastUpdateTime is when these figures last changed.
	// +optional
	LastUpdateTime *metav1.Time `json:"lastUpdateTime,omitempty"`
}

// SymbolWatch streams market data for some symbols, records it, and can turn
// it into alert-only signals, as a supervised goroutine group inside the
// operator. It never trades.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=sw,categories=trading
// +kubebuilder:printcolumn:name="Symbols",type=string,JSONPath=`.spec.symbols`,description="Watched symbols"
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`,description="Summary of the watch's state"
// +kubebuilder:printcolumn:name="Breaker",type=string,JSONPath=`.status.exchange.breaker.state`,description="Circuit breaker state"
// +kubebuilder:printcolumn:name="Lag",type=string,JSONPath=`.status.lag`,description="Market-data lag of the latest event"
// +kubebuilder:printcolumn:name="Signals",type=string,JSONPath=`.status.signals.summary`,description="Alert-only signals produced, and the latest"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Replica",type=string,JSONPath=`.status.replica`,description="Operator replica that runs the watch (with --sharding)",priority=1
type SymbolWatch struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired watch.
	// +required
	Spec SymbolWatchSpec `json:"spec"`

	// status is the observed state of the watch.
	// +optional
	Status SymbolWatchStatus `json:"status,omitempty"`
}

// SymbolWatchList is a list of SymbolWatches.
// +kubebuilder:object:root=true
type SymbolWatchList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the SymbolWatches.
	Items []SymbolWatch `json:"items"`
}
