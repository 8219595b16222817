package recording

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	"github.com/influxdata/influxdb-client-go/v2/api/write"

	"github.com/tradebot-operator/tradebot-operator/internal/recording/influxtest"
)

// benchPoint is the point of every benchmark: three tags, three fields,
// like a price tick.
func benchPoint(measurement string, base time.Time, i int) Point {
	return Point{
		Measurement: measurement,
		Tags:        []Tag{{"ns", "default"}, {"resource", "bench-bot"}, {"symbol", "BTCUSDT"}},
		Fields:      []Field{Float("price", 65000.25+float64(i%100)), Float("qty", 0.125), Int("seq", int64(i))},
		Time:        base.Add(time.Duration(i) * time.Microsecond),
	}
}

// officialPoint is the same point for the official client.
func officialPoint(measurement string, base time.Time, i int) *write.Point {
	return write.NewPoint(measurement,
		map[string]string{"ns": "default", "resource": "bench-bot", "symbol": "BTCUSDT"},
		map[string]any{"price": 65000.25 + float64(i%100), "qty": 0.125, "seq": int64(i)},
		base.Add(time.Duration(i)*time.Microsecond))
}

// BenchmarkEncode measures line protocol encoding alone: the point is
// built once and its values changed in place.
func BenchmarkEncode(b *testing.B) {
	base := time.Unix(1_700_000_000, 0)
	buf := make([]byte, 0, 256)
	p := benchPoint("price", base, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Fields[0] = Float("price", 65000.25+float64(i%100))
		p.Fields[2] = Int("seq", int64(i))
		p.Time = base.Add(time.Duration(i) * time.Microsecond)
		var err error
		if buf, err = appendLine(buf[:0], &p, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkWrite measures what a bot pays per point: Write into a Sink
// whose server accepts everything at once.
func BenchmarkWrite(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	s, err := NewSink(SinkOptions{URL: srv.URL, MaxPoints: 10_000_000, MaxBytes: 4 << 30})
	if err != nil {
		b.Fatal(err)
	}
	w := s.Writer("ns/bench", WriterOptions{})
	base := time.Unix(1_700_000_000, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Write(benchPoint("price", base, i))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
	b.StopTimer()
	if _, err := s.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	if st := w.Stats(); st.Written != st.Produced {
		b.Fatalf("stats: %+v", st)
	}
}

// TestBenchFigures prints the recorder's figures as "name: value" lines,
// for make bench. It runs only with RECORDING_BENCH=1:
//
//	RECORDING_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/recording/ | grep '^recording\.'
//
// recording.points_per_sec: ours into a real influxd, from the first Write
// until InfluxDB acknowledged the last point.
// recording.points_per_sec_spooled: the same through a write-ahead spool
// directory (a group commit and fsync every 100 ms), in the same rounds.
// recording.official_points_per_sec: the official client's batched WriteAPI
// with default options, the same points, the same server, from the first
// WritePoint until Close returned (it waits for the last batch).
// recording.speedup_vs_official: the ratio, best of three rounds each,
// alternating.
// recording.encode_points_per_sec: line protocol encoding alone.
// recording.outage_lost_points: points lost over a SIGKILL outage of
// RECORDING_BENCH_OUTAGE (default 10s) at 10 000 points/s.
// recording.kill9_recorder_lost_points: points a recording process reported
// committed to its spool but InfluxDB lacks after it was killed with
// SIGKILL 5 times at 20 000 points/s (the drill of TestKill9Drill); points
// not yet committed at a kill (at most a commit interval's) are not counted.
func TestBenchFigures(t *testing.T) {
	if os.Getenv("RECORDING_BENCH") != "1" {
		t.Log("set RECORDING_BENCH=1 to print the benchmark figures")
		return
	}
	points := 300_000
	if v := os.Getenv("RECORDING_BENCH_POINTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		points = n
	}
	outage := 10 * time.Second
	if v := os.Getenv("RECORDING_BENCH_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		outage = d
	}

	enc := testing.Benchmark(BenchmarkEncode)
	encodeRate := float64(enc.N) / enc.T.Seconds()

	srv := influxtest.Start(t, influxtest.Options{Databases: []string{"bench"}})
	var ours, spooled, official float64
	for round := range 3 {
		ours = max(ours, benchOurs(t, srv, fmt.Sprintf("ours_%d", round), points, ""))
		spooled = max(spooled, benchOurs(t, srv, fmt.Sprintf("spooled_%d", round), points, t.TempDir()))
		official = max(official, benchOfficial(t, srv, fmt.Sprintf("official_%d", round), points))
	}
	lost := benchOutage(t, srv, outage)
	drill := runKill9Drill(t, srv)

	fmt.Printf("recording.points_per_sec: %.0f\n", ours)
	fmt.Printf("recording.points_per_sec_spooled: %.0f\n", spooled)
	fmt.Printf("recording.official_points_per_sec: %.0f\n", official)
	fmt.Printf("recording.speedup_vs_official: %.2f\n", ours/official)
	fmt.Printf("recording.encode_points_per_sec: %.0f\n", encodeRate)
	fmt.Printf("recording.outage_lost_points: %d\n", lost)
	fmt.Printf("recording.kill9_recorder_lost_points: %d\n", drill.lostCommitted)
}

func benchOurs(t *testing.T, srv *influxtest.Server, measurement string, n int, spoolDir string) float64 {
	s, err := NewSink(SinkOptions{URL: srv.URL, MaxPoints: 2 * n, MaxBytes: 1 << 30, SpoolDir: spoolDir, SpoolBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w := s.Writer("ns/bench", WriterOptions{Database: "bench"})
	base := time.Now().Add(-time.Hour)
	start := time.Now()
	for i := range n {
		w.Write(benchPoint(measurement, base, i))
	}
	flush(t, s)
	elapsed := time.Since(start)
	if _, err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Written != int64(n) {
		t.Fatalf("ours: %+v", st)
	}
	checkStored(t, srv, measurement, n)
	return float64(n) / elapsed.Seconds()
}

func benchOfficial(t *testing.T, srv *influxtest.Server, measurement string, n int) float64 {
	client := influxdb2.NewClient(srv.URL, "")
	wa := client.WriteAPI("", "bench/autogen")
	errs := make(chan int, 1)
	go func() { // the error channel must be drained, or the writer blocks
		count := 0
		for range wa.Errors() {
			count++
		}
		errs <- count
	}()
	base := time.Now().Add(-time.Hour)
	start := time.Now()
	for i := range n {
		wa.WritePoint(officialPoint(measurement, base, i))
	}
	client.Close() // flushes and waits for the last batch
	elapsed := time.Since(start)
	if e := <-errs; e != 0 {
		t.Fatalf("official client: %d write errors", e)
	}
	checkStored(t, srv, measurement, n)
	return float64(n) / elapsed.Seconds()
}

func checkStored(t *testing.T, srv *influxtest.Server, measurement string, n int) {
	t.Helper()
	if got := srv.Int(t, "bench", fmt.Sprintf("SELECT count(seq) FROM %q", measurement), "count"); got != int64(n) {
		t.Fatalf("%s: InfluxDB holds %d points, want %d", measurement, got, n)
	}
}

// benchOutage kills influxd for outage while producing 10 000 points/s and
// returns how many points InfluxDB is missing afterwards.
func benchOutage(t *testing.T, srv *influxtest.Server, outage time.Duration) int64 {
	s, err := NewSink(SinkOptions{URL: srv.URL, RetryBase: 100 * time.Millisecond, RetryMax: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = s.Close(context.Background()) }()
	w := s.Writer("ns/outage", WriterOptions{Database: "bench"})
	base := time.Now().Add(-2 * time.Hour)
	stop := make(chan struct{})
	produced := make(chan int64, 1)
	go func() { produced <- produce(10_000, stop, base, []string{"outage"}, []*Writer{w}) }()
	waitFor(t, "points to flow", func() bool { return w.Stats().Written > 10_000 })
	srv.Kill()
	time.Sleep(outage)
	srv.Restart(t)
	waitFor(t, "the backlog to drain", func() bool { return s.Stats().BufferedPoints < 10_000 })
	close(stop)
	n := <-produced
	flush(t, s)
	return n - srv.Int(t, "bench", "SELECT count(seq) FROM outage", "count")
}
