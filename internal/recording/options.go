package recording

import (
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// SinkOptions configure a Sink. Zero fields take the defaults below.
type SinkOptions struct {
	// URL is the InfluxDB base URL, such as "http://127.0.0.1:8086". Empty
	// means no InfluxDB: the Sink runs nothing and counts every point as
	// dropped, so resources still report what they would have recorded.
	URL string
	// Token authorizes writes ("user:password" for InfluxDB 1.x with
	// authentication on). It is sent in a header and never logged.
	Token string
	// Org is the InfluxDB 2.x organization; 1.x ignores it.
	Org string

	// MaxPoints and MaxBytes bound the points buffered in memory by all
	// writers together, in flight included (defaults 1 000 000 points and
	// 256 MiB). When a bound is reached the oldest points of the writer
	// holding the most are dropped, and counted.
	MaxPoints int
	MaxBytes  int64
	// SpoolDir, when set, is the write-ahead spool: points are committed
	// to segment files there before they count as accepted, and a new Sink
	// on the directory replays what the last one left (after a crash too).
	SpoolDir string
	// SpoolBytes bounds the spool directory (default 256 MiB); when a
	// commit would pass it, the oldest segments are deleted and their
	// points dropped (reason spool_full).
	SpoolBytes int64
	// SpoolCommitInterval is the longest a point waits for its group
	// commit (default 100ms): what a crash can cost at most.
	SpoolCommitInterval time.Duration
	// SpoolCommitBytes commits at once when this much is staged (default
	// 4 MiB, at most a quarter of SpoolBytes).
	SpoolCommitBytes int
	// SpoolSegmentBytes and SpoolSegmentAge start a new segment file when
	// the active one is this large or old (defaults: an eighth of
	// SpoolBytes up to 16 MiB, and 10s). A segment is deleted once every
	// point in it is settled, so smaller segments free space sooner.
	SpoolSegmentBytes int64
	SpoolSegmentAge   time.Duration

	// Concurrency is how many write requests may be in flight (default 2).
	Concurrency int
	// MaxRequestPoints and MaxRequestBytes cap one request, into which
	// ready batches for the same database are combined (defaults 10 000
	// points and 8 MiB, below InfluxDB's 25 MB body limit).
	MaxRequestPoints int
	MaxRequestBytes  int
	// RequestTimeout bounds one write request (default 10s).
	RequestTimeout time.Duration
	// RetryBase and RetryMax shape the backoff after a failed write: the
	// n-th consecutive failure waits a random time in [d/2, d] with
	// d = min(RetryBase*2^(n-1), RetryMax) (defaults 1s and 30s), or as
	// long as the server's Retry-After asks if that is longer.
	RetryBase, RetryMax time.Duration
	// DisableGzip sends request bodies uncompressed.
	DisableGzip bool

	// HTTPClient sends the requests (default: a client with its own pooled
	// transport, closed by Close).
	HTTPClient *http.Client
	// Registry, when set, receives the Sink's Prometheus metrics (the
	// operator passes controller-runtime's metrics.Registry). Close
	// unregisters them.
	Registry prometheus.Registerer
	// Logger receives state changes (writes failing, recovered, points
	// dropped), never the token.
	Logger logr.Logger
	// Now is the clock for batch ages, backoff and reported times (default
	// time.Now).
	Now func() time.Time
	// JitterSeed seeds the backoff jitter; 0 seeds it from the system.
	JitterSeed uint64
}

func (o SinkOptions) withDefaults() SinkOptions {
	if o.MaxPoints <= 0 {
		o.MaxPoints = 1_000_000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 256 << 20
	}
	if o.SpoolBytes <= 0 {
		o.SpoolBytes = DefaultSpoolBytes
	}
	if o.SpoolCommitInterval <= 0 {
		o.SpoolCommitInterval = DefaultSpoolCommitInterval
	}
	if o.SpoolCommitBytes <= 0 {
		o.SpoolCommitBytes = DefaultSpoolCommitBytes
	}
	o.SpoolCommitBytes = int(max(min(int64(o.SpoolCommitBytes), o.SpoolBytes/4), 1))
	if o.SpoolSegmentBytes <= 0 {
		o.SpoolSegmentBytes = min(o.SpoolBytes/8, 16<<20)
	}
	if o.SpoolSegmentAge <= 0 {
		o.SpoolSegmentAge = 10 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 2
	}
	if o.MaxRequestPoints <= 0 {
		o.MaxRequestPoints = 10_000
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = 8 << 20
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 30 * time.Second
	}
	o.RetryMax = max(o.RetryMax, o.RetryBase)
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Defaults of the spool (SinkOptions).
const (
	DefaultSpoolBytes          = 256 << 20
	DefaultSpoolCommitInterval = 100 * time.Millisecond
	DefaultSpoolCommitBytes    = 4 << 20
	// MinSpoolBytes is the smallest --recording-spool-bytes accepted.
	MinSpoolBytes = 1 << 20
)

// Defaults of a resource's recording block, as in the CRD.
const (
	DefaultDatabase      = "tradebot"
	DefaultBatchSize     = 1000
	DefaultFlushInterval = 2 * time.Second
)

// WriterOptions are one resource's recording settings (spec.recording).
type WriterOptions struct {
	// Database (1.x) or bucket (2.x) to write to (default "tradebot").
	Database string
	// RetentionPolicy of a 1.x database; empty means its default policy.
	RetentionPolicy string
	// BatchSize is the most points in one batch (default 1000).
	BatchSize int
	// FlushInterval is the longest a point waits before its batch is sent
	// (default 2s).
	FlushInterval time.Duration
}

func (o WriterOptions) withDefaults() WriterOptions {
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	return o
}

// WriterOptionsFromSpec returns the writer options of a resource's
// recording block, and whether recording is enabled. A nil spec means the
// defaults, enabled.
func WriterOptionsFromSpec(spec *v1alpha1.RecordingSpec) (WriterOptions, bool) {
	if spec == nil {
		return WriterOptions{}.withDefaults(), true
	}
	o := WriterOptions{
		Database:        spec.Database,
		RetentionPolicy: spec.RetentionPolicy,
		BatchSize:       int(spec.BatchSize),
	}
	if spec.FlushInterval != nil {
		o.FlushInterval = spec.FlushInterval.Duration
	}
	enabled := spec.Enabled == nil || *spec.Enabled
	return o.withDefaults(), enabled
}
