package recording

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The metrics are the writers' own counters, labelled by resource.
func TestMetrics(t *testing.T) {
	f := newFakeInflux(t)
	reg := prometheus.NewPedanticRegistry()
	s := newTestSink(t, f, SinkOptions{Registry: reg, MaxPoints: 3})
	w := s.Writer("prod/bot-1", WriterOptions{BatchSize: 2})
	for i := range 2 {
		w.Write(seqPoint("a", i))
	}
	flush(t, s)
	w.Write(Point{Measurement: "m"}) // invalid
	s.mu.Lock()
	s.failing = true // what a scrape during an outage shows
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.failing = false
		s.mu.Unlock()
	}()

	host := strings.TrimPrefix(f.srv.URL, "http://")
	want := `
# HELP tradebot_recording_buffer_max_points Bound of the shared buffer in points.
# TYPE tradebot_recording_buffer_max_points gauge
tradebot_recording_buffer_max_points{influxdb="HOST"} 3
# HELP tradebot_recording_buffer_points Points held in the shared buffer.
# TYPE tradebot_recording_buffer_points gauge
tradebot_recording_buffer_points{influxdb="HOST"} 0
# HELP tradebot_recording_failing 1 while writes to InfluxDB fail and are retried.
# TYPE tradebot_recording_failing gauge
tradebot_recording_failing{influxdb="HOST"} 1
# HELP tradebot_recording_points_dropped_total Points given up, by reason: overflow, rejected, invalid, undelivered, disabled, spool_full.
# TYPE tradebot_recording_points_dropped_total counter
tradebot_recording_points_dropped_total{influxdb="HOST",name="bot-1",namespace="prod",reason="disabled"} 0
tradebot_recording_points_dropped_total{influxdb="HOST",name="bot-1",namespace="prod",reason="invalid"} 1
tradebot_recording_points_dropped_total{influxdb="HOST",name="bot-1",namespace="prod",reason="overflow"} 0
tradebot_recording_points_dropped_total{influxdb="HOST",name="bot-1",namespace="prod",reason="rejected"} 0
tradebot_recording_points_dropped_total{influxdb="HOST",name="bot-1",namespace="prod",reason="spool_full"} 0
tradebot_recording_points_dropped_total{influxdb="HOST",name="bot-1",namespace="prod",reason="undelivered"} 0
# HELP tradebot_recording_points_pending Points buffered for InfluxDB, in flight included.
# TYPE tradebot_recording_points_pending gauge
tradebot_recording_points_pending{influxdb="HOST",name="bot-1",namespace="prod"} 0
# HELP tradebot_recording_points_produced_total Points a resource produced for InfluxDB (replayed from the spool included).
# TYPE tradebot_recording_points_produced_total counter
tradebot_recording_points_produced_total{influxdb="HOST",name="bot-1",namespace="prod"} 3
# HELP tradebot_recording_points_written_total Points InfluxDB acknowledged.
# TYPE tradebot_recording_points_written_total counter
tradebot_recording_points_written_total{influxdb="HOST",name="bot-1",namespace="prod"} 2
# HELP tradebot_recording_write_requests_total Write requests by result: ok, partial, rejected, retried.
# TYPE tradebot_recording_write_requests_total counter
tradebot_recording_write_requests_total{influxdb="HOST",result="ok"} 1
tradebot_recording_write_requests_total{influxdb="HOST",result="partial"} 0
tradebot_recording_write_requests_total{influxdb="HOST",result="rejected"} 0
tradebot_recording_write_requests_total{influxdb="HOST",result="retried"} 0
`
	want = strings.ReplaceAll(want, "HOST", host)
	names := []string{
		"tradebot_recording_buffer_max_points", "tradebot_recording_buffer_points", "tradebot_recording_failing",
		"tradebot_recording_points_dropped_total", "tradebot_recording_points_pending",
		"tradebot_recording_points_produced_total", "tradebot_recording_points_written_total",
		"tradebot_recording_write_requests_total",
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg, "tradebot_recording_last_flush_timestamp_seconds"); n != 1 || err != nil {
		t.Fatalf("last flush series: %d, %v", n, err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) != 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}
}

// With a spool directory, the spool's figures are metrics too, read from
// the same state as Stats.
func TestSpoolMetrics(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	reg := prometheus.NewPedanticRegistry()
	s := newTestSink(t, f, SinkOptions{Registry: reg, SpoolDir: t.TempDir(), SpoolBytes: 1 << 20})
	w := s.Writer("prod/bot-1", WriterOptions{})
	for i := range 10 {
		w.Write(seqPoint("a", i))
	}
	waitFor(t, "the commit", func() bool { return w.Stats().Uncommitted == 0 })
	sp := s.Stats().Spool
	host := strings.TrimPrefix(f.srv.URL, "http://")
	want := fmt.Sprintf(`
# HELP tradebot_recording_spool_bytes Bytes of the spool directory's segment files.
# TYPE tradebot_recording_spool_bytes gauge
tradebot_recording_spool_bytes{influxdb="HOST"} %d
# HELP tradebot_recording_spool_commits_total Group commits to the spool by result: ok, error.
# TYPE tradebot_recording_spool_commits_total counter
tradebot_recording_spool_commits_total{influxdb="HOST",result="error"} 0
tradebot_recording_spool_commits_total{influxdb="HOST",result="ok"} %d
# HELP tradebot_recording_spool_max_bytes Bound of the spool directory in bytes.
# TYPE tradebot_recording_spool_max_bytes gauge
tradebot_recording_spool_max_bytes{influxdb="HOST"} 1.048576e+06
# HELP tradebot_recording_spool_segments Segment files in the spool directory.
# TYPE tradebot_recording_spool_segments gauge
tradebot_recording_spool_segments{influxdb="HOST"} 1
# HELP tradebot_recording_points_uncommitted Points waiting for the spool's next group commit: what a crash now would lose.
# TYPE tradebot_recording_points_uncommitted gauge
tradebot_recording_points_uncommitted{influxdb="HOST"} 0
# HELP tradebot_recording_spool_unclean_start 1 if the previous run did not stop cleanly (up to one commit interval of points may be lost).
# TYPE tradebot_recording_spool_unclean_start gauge
tradebot_recording_spool_unclean_start{influxdb="HOST"} 0
`, sp.Bytes, sp.Commits)
	want = strings.ReplaceAll(want, "HOST", host)
	names := []string{"tradebot_recording_spool_bytes", "tradebot_recording_spool_commits_total",
		"tradebot_recording_spool_max_bytes", "tradebot_recording_spool_segments",
		"tradebot_recording_points_uncommitted", "tradebot_recording_spool_unclean_start"}
	if sp.Bytes <= int64(len(segMagic)) || sp.Commits == 0 {
		t.Fatalf("spool: %+v", sp)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tradebot_recording_spool_replayed_points_total", "tradebot_recording_spool_bad_segments_total"} {
		if n, err := testutil.GatherAndCount(reg, name); n != 1 || err != nil {
			t.Errorf("%s: %d series, %v", name, n, err)
		}
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) != 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}
}

// Close unregisters the metrics, so a new Sink can register on the same
// registry; two live Sinks on one registry are refused only if they share
// an InfluxDB.
func TestMetricsRegistration(t *testing.T) {
	f := newFakeInflux(t)
	reg := prometheus.NewRegistry()
	s1, err := NewSink(SinkOptions{URL: f.srv.URL, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := NewSink(SinkOptions{URL: f.srv.URL, Registry: reg}); err == nil {
		closeNow(t, s)
		t.Fatal("a second Sink for the same InfluxDB registered its metrics")
	}
	closeNow(t, s1)
	s2, err := NewSink(SinkOptions{URL: f.srv.URL, Registry: reg})
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	closeNow(t, s2)
}
