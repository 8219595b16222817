package recording

import (
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// collector exposes a Sink's figures as Prometheus metrics, read from the
// same counters as Stats at scrape time, so the two never disagree and a
// released writer's series simply disappear.
type collector struct {
	s *Sink

	produced, written, dropped, pending, spooled, lastFlush *prometheus.Desc
	bufPoints, bufBytes, maxPoints, maxBytes, failing, reqs *prometheus.Desc
	replayed, uncommitted                                   *prometheus.Desc
	spoolBytes, spoolMaxBytes, spoolSegments, spoolReplayed *prometheus.Desc
	spoolCommits, spoolBad, spoolUnclean                    *prometheus.Desc
}

func newCollector(s *Sink, rawURL string) *collector {
	// One Sink per InfluxDB: its host tells two Sinks' series apart.
	host := "none"
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		host = u.Host
	}
	constLabels := prometheus.Labels{"influxdb": host}
	resource := []string{"namespace", "name"}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("tradebot_recording_"+name, help, labels, constLabels)
	}
	return &collector{
		s:         s,
		produced:  desc("points_produced_total", "Points a resource produced for InfluxDB (replayed from the spool included).", resource...),
		written:   desc("points_written_total", "Points InfluxDB acknowledged.", resource...),
		dropped:   desc("points_dropped_total", "Points given up, by reason: overflow, rejected, invalid, undelivered, disabled, spool_full.", append(resource, "reason")...),
		pending:   desc("points_pending", "Points buffered for InfluxDB, in flight included.", resource...),
		spooled:   desc("points_spooled_total", "Points left in the spool directory at shutdown, for the next start.", resource...),
		replayed:  desc("points_replayed_total", "Points replayed from the spool directory at start.", resource...),
		lastFlush: desc("last_flush_timestamp_seconds", "When InfluxDB last acknowledged points of the resource.", resource...),
		bufPoints: desc("buffer_points", "Points held in the shared buffer."),
		bufBytes:  desc("buffer_bytes", "Bytes held in the shared buffer."),
		maxPoints: desc("buffer_max_points", "Bound of the shared buffer in points."),
		maxBytes:  desc("buffer_max_bytes", "Bound of the shared buffer in bytes."),
		failing:   desc("failing", "1 while writes to InfluxDB fail and are retried."),
		reqs:      desc("write_requests_total", "Write requests by result: ok, partial, rejected, retried.", "result"),

		uncommitted:   desc("points_uncommitted", "Points waiting for the spool's next group commit: what a crash now would lose."),
		spoolBytes:    desc("spool_bytes", "Bytes of the spool directory's segment files."),
		spoolMaxBytes: desc("spool_max_bytes", "Bound of the spool directory in bytes."),
		spoolSegments: desc("spool_segments", "Segment files in the spool directory."),
		spoolReplayed: desc("spool_replayed_points_total", "Points replayed from the spool directory at start."),
		spoolCommits:  desc("spool_commits_total", "Group commits to the spool by result: ok, error.", "result"),
		spoolBad:      desc("spool_bad_segments_total", "Damaged spool segments set aside (renamed *.bad) at start."),
		spoolUnclean:  desc("spool_unclean_start", "1 if the previous run did not stop cleanly (up to one commit interval of points may be lost)."),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.produced, c.written, c.dropped, c.pending, c.spooled,
		c.lastFlush, c.bufPoints, c.bufBytes, c.maxPoints, c.maxBytes, c.failing, c.reqs, c.replayed,
		c.uncommitted, c.spoolBytes, c.spoolMaxBytes, c.spoolSegments, c.spoolReplayed, c.spoolCommits,
		c.spoolBad, c.spoolUnclean} {
		ch <- d // the spool's are collected only with a spool directory
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	type row struct {
		key string
		st  Stats
	}
	s := c.s
	s.mu.Lock()
	rows := make([]row, 0, len(s.writers))
	for key, w := range s.writers {
		rows = append(rows, row{key, s.statsLocked(w)})
	}
	bufPoints, bufBytes, failing, req := s.bufPoints, s.bufBytes, s.failing, s.requests
	s.mu.Unlock()
	sink := s.Stats()

	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, r := range rows {
		ns, name := splitKey(r.key)
		counter(c.produced, r.st.Produced, ns, name)
		counter(c.written, r.st.Written, ns, name)
		counter(c.dropped, r.st.DroppedOverflow, ns, name, "overflow")
		counter(c.dropped, r.st.DroppedRejected, ns, name, "rejected")
		counter(c.dropped, r.st.DroppedInvalid, ns, name, "invalid")
		counter(c.dropped, r.st.DroppedUndelivered, ns, name, "undelivered")
		counter(c.dropped, r.st.DroppedDisabled, ns, name, "disabled")
		counter(c.dropped, r.st.DroppedSpoolFull, ns, name, "spool_full")
		counter(c.replayed, r.st.Replayed, ns, name)
		gauge(c.pending, float64(r.st.Pending), ns, name)
		counter(c.spooled, r.st.Spooled, ns, name)
		if !r.st.LastFlush.IsZero() {
			gauge(c.lastFlush, float64(r.st.LastFlush.UnixNano())/1e9, ns, name)
		}
	}
	gauge(c.bufPoints, float64(bufPoints))
	gauge(c.bufBytes, float64(bufBytes))
	gauge(c.maxPoints, float64(s.opts.MaxPoints))
	gauge(c.maxBytes, float64(s.opts.MaxBytes))
	f := 0.0
	if failing {
		f = 1
	}
	gauge(c.failing, f)
	counter(c.reqs, req.ok, "ok")
	counter(c.reqs, req.partial, "partial")
	counter(c.reqs, req.rejected, "rejected")
	counter(c.reqs, req.retried, "retried")
	if s.sp != nil {
		sp := sink.Spool
		gauge(c.uncommitted, float64(sink.Uncommitted))
		gauge(c.spoolBytes, float64(sp.Bytes))
		gauge(c.spoolMaxBytes, float64(sp.MaxBytes))
		gauge(c.spoolSegments, float64(sp.Segments))
		counter(c.spoolReplayed, sp.Replayed)
		counter(c.spoolCommits, sp.Commits, "ok")
		counter(c.spoolCommits, sp.CommitErrors, "error")
		counter(c.spoolBad, sp.BadSegments)
		u := 0.0
		if sp.UncleanStart {
			u = 1
		}
		gauge(c.spoolUnclean, u)
	}
}

// splitKey splits "namespace/name"; a key without "/" is a bare name.
func splitKey(key string) (namespace, name string) {
	if ns, n, ok := strings.Cut(key, "/"); ok {
		return ns, n
	}
	return "", key
}
