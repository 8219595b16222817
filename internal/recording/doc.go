// Package recording writes what the operator's bots see and do to InfluxDB:
// prices, klines, signals, orders, fills and the bots' own health, in the
// schema of docs/recording.md.
//
// A [Sink] (one per InfluxDB URL, for the whole process) holds a bounded
// buffer shared by per-resource [Writer]s. Writer.Write encodes a [Point] to
// line protocol and returns at once: a slow or dead database never slows
// trading or market data. The Sink's few sender goroutines send batches
// (by size or age, per the resource's recording spec) gzipped to the
// v2-compatible /api/v2/write endpoint, combining ready batches for the
// same database into one request, through the official client's HTTP
// service (influxdb-client-go/v2), which handles authorization and reads
// InfluxDB's error answers.
//
// Delivery is at least once, and nothing is stored twice: InfluxDB keeps one
// point per series and timestamp, so a batch sent again after a lost answer
// replaces itself. Failed writes are retried on a timer, with exponential
// backoff and jitter, honouring Retry-After; while failing, one probe
// request at a time tests the server. When the buffer's bound is reached,
// the oldest points of the writer holding the most are dropped. Every point
// is accounted for: per writer, Produced == Written + Pending + Dropped +
// Spooled, reported by [Writer.Stats], by [Status] and [Condition] for the
// resource's status, and as Prometheus metrics.
//
// With a spool directory (spool.go, wal.go) the Sink keeps a write-ahead
// log: Write stages points, and the Sink's committer goroutine appends
// them to checksummed segment files in group commits (one fsync each)
// before they go to the senders, so a crash loses at most one commit
// interval. Segments are deleted once their points are settled, replayed
// by the next Sink on the directory, and bounded in bytes (the oldest are
// dropped, and counted, when full). [Sink.Close] delivers what it can
// within its deadline, leaves the rest in the spool for the next start,
// and reports what it could not keep.
//
// The Sink owns its goroutines: NewSink starts them (the senders, and the
// committer with a spool) and Close stops them.
package recording
