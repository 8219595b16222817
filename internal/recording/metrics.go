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
		produced:  desc("points_produced_total", "Points a resource produced for InfluxDB (restored from the spool included).", resource...),
		written:   desc("points_written_total", "Points InfluxDB acknowledged.", resource...),
		dropped:   desc("points_dropped_total", "Points given up, by reason: overflow, rejected, invalid, undelivered, disabled.", append(resource, "reason")...),
		pending:   desc("points_pending", "Points buffered for InfluxDB, in flight included.", resource...),
		spooled:   desc("points_spooled_total", "Points saved to the spool directory at shutdown.", resource...),
		lastFlush: desc("last_flush_timestamp_seconds", "When InfluxDB last acknowledged points of the resource.", resource...),
		bufPoints: desc("buffer_points", "Points held in the shared buffer."),
		bufBytes:  desc("buffer_bytes", "Bytes held in the shared buffer."),
		maxPoints: desc("buffer_max_points", "Bound of the shared buffer in points."),
		maxBytes:  desc("buffer_max_bytes", "Bound of the shared buffer in bytes."),
		failing:   desc("failing", "1 while writes to InfluxDB fail and are retried."),
		reqs:      desc("write_requests_total", "Write requests by result: ok, partial, rejected, retried.", "result"),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.produced, c.written, c.dropped, c.pending, c.spooled,
		c.lastFlush, c.bufPoints, c.bufBytes, c.maxPoints, c.maxBytes, c.failing, c.reqs} {
		ch <- d
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
}

// splitKey splits "namespace/name"; a key without "/" is a bare name.
func splitKey(key string) (namespace, name string) {
	if ns, n, ok := strings.Cut(key, "/"); ok {
		return ns, n
	}
	return "", key
}
