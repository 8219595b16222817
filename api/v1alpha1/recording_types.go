package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// RecordingSpec controls what the resource writes to InfluxDB (prices,
// klines, signals, orders and its own health), in batches.
type RecordingSpec struct {
	// enabled turns recording on (default true). With no InfluxDB configured
	// in the operator, points are counted as dropped.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// database is the InfluxDB database (1.x) or bucket (2.x) to write to,
	// 1 to 64 letters, digits, "_" or "-" (default "tradebot").
	// +kubebuilder:default=tradebot
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[a-zA-Z0-9_-]{1,64}$')`,message=`database must be 1 to 64 letters, digits, "_" or "-"`,messageExpression=`'database must be 1 to 64 letters, digits, "_" or "-", such as "tradebot"; got "' + self + '"'`
	// +optional
	Database string `json:"database,omitempty"`

	// retentionPolicy is the InfluxDB 1.x retention policy to write to, 1 to
	// 64 letters, digits, "_" or "-"; empty (or left out) means the
	// database's default policy.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule=`self == "" || self.matches('^[a-zA-Z0-9_-]{1,64}$')`,message=`retentionPolicy must be empty (the database default policy) or 1 to 64 letters, digits, "_" or "-"`,messageExpression=`'retentionPolicy must be empty (the database default policy) or 1 to 64 letters, digits, "_" or "-", such as "autogen"; got "' + self + '"'`
	// +optional
	RetentionPolicy string `json:"retentionPolicy,omitempty"`

	// batchSize is the most points sent in one write, 1 to 100000
	// (default 1000).
	// +kubebuilder:default=1000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	// +optional
	BatchSize int32 `json:"batchSize,omitempty"`

	// flushInterval is the longest a point waits before its batch is written,
	// from 100ms to 1m (default "2s").
	// +kubebuilder:default="2s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) >= duration('100ms') && duration(self) <= duration('1m')`,message=`flushInterval must be a duration from 100ms to 1m, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'flushInterval must be a duration from 100ms to 1m, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	FlushInterval *metav1.Duration `json:"flushInterval,omitempty"`

	// marketData says how the resource's market data (prices, trades,
	// tickers, closed klines) is recorded: Shared (the default) records
	// each stream once per exchange endpoint and database, tagged by
	// endpoint and symbol, however many resources subscribe to it;
	// PerResource records the resource's own copy, tagged by the resource
	// (one copy per resource, as many points as subscribers); None records
	// no market data for it. Signals, orders, fills and health are always
	// the resource's own.
	// +kubebuilder:default=Shared
	// +optional
	MarketData MarketDataRecording `json:"marketData,omitempty"`
}

// MarketDataRecording says how a resource's market data is recorded.
// +kubebuilder:validation:Enum=Shared;PerResource;None
type MarketDataRecording string

// Market data recording modes.
const (
	// MarketDataShared records each stream once per endpoint and database.
	MarketDataShared MarketDataRecording = "Shared"
	// MarketDataPerResource records the resource's own copy.
	MarketDataPerResource MarketDataRecording = "PerResource"
	// MarketDataNone records no market data for the resource.
	MarketDataNone MarketDataRecording = "None"
)
