package recdrill

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/recording/influxtest"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

const (
	kills     = 5
	namespace = "default"
	// commitInterval is the operator's --recording-spool-commit-interval:
	// a point counts as accepted once a group commit holds it.
	commitInterval = 100 * time.Millisecond
	minRate        = 10_000 // points a second the operator must record
)

// databases receive the same trades, each from a watch of its own: every
// trade is two points (market data is recorded once per stream and
// database).
var databases = []string{"drill", "drill2"}

// The simulator's symbols, every one recorded trade by trade.
var symbols = []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}

func TestKill9Recording(t *testing.T) {
	if testing.Short() {
		t.Skip("the recording kill drill takes about two minutes")
	}
	opdrill.RequireControlPlane(t, "the recording kill drill")
	root := opdrill.RepoRoot(t)
	dir := t.TempDir()
	logs := opdrill.LogDir(t, "recdrill-logs-")
	bin := opdrill.BuildOperator(t, root, dir)
	simBin := opdrill.BuildSimulator(t, root, dir)
	kubeconfig, c := opdrill.StartControlPlane(t, root, dir)
	influx := influxtest.Start(t, influxtest.Options{Databases: databases})

	// The simulator runs as a process of its own, so that it keeps pace
	// whatever this test binary is built with: a step every millisecond,
	// 8 symbols of 1 to 4 trades a step, about 20 000 trades a second.
	simAddr := opdrill.FreeAddr(t)
	sim := &opdrill.Operator{T: t, Bin: simBin, Dir: logs, Name: "exchange-sim", Args: []string{
		"--listen", simAddr, "--tick", "1ms", "--history", "5m",
	}}
	t.Cleanup(sim.Stop)
	sim.Start()
	simURL := "http://" + simAddr
	opdrill.WaitFor(t, []*opdrill.Operator{sim}, time.Minute, "the simulator to answer", func() (bool, string) {
		resp, err := http.Get(simURL + "/api/v3/ping")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})

	metricsAddr := opdrill.FreeAddr(t)
	op := &opdrill.Operator{T: t, Bin: bin, Dir: logs, Args: []string{
		"--kubeconfig", kubeconfig,
		"--simulator-url", simURL,
		"--metrics-bind-address", metricsAddr,
		"--health-probe-bind-address", "0",
		"--influx-url", influx.URL,
		"--recording-spool-dir", filepath.Join(dir, "spool"),
		"--recording-spool-commit-interval", commitInterval.String(),
	}}
	t.Cleanup(op.Stop)
	op.Start()

	ctx := context.Background()
	var watches []*unstructured.Unstructured
	for i, db := range databases {
		watches = append(watches, watchObject(fmt.Sprintf("recdrill-%d", i+1), db))
	}
	for _, w := range watches {
		if err := c.Create(ctx, w); err != nil {
			t.Fatalf("creating SymbolWatch %s: %v", w.GetName(), err)
		}
	}

	d := &drill{t: t, op: op, metrics: "http://" + metricsAddr + "/metrics"}
	life := d.awaitRecording("the operator's first trades")
	var killedAt []time.Time
	for k := range kills {
		// Record for a while, then kill mid-stream: with a flush interval
		// of a second, InfluxDB lags and the spool holds what it lacks.
		time.Sleep(time.Duration(3000+rand.IntN(2000)) * time.Millisecond)
		m := d.scrape()
		at := time.Now()
		op.Kill()
		d.endLife(life, m, at)
		killedAt = append(killedAt, at)
		t.Logf("kill %d at %s: %d points accepted in the run, %d uncommitted; streams: %s",
			k+1, at.Format(time.StampMilli), m.fresh()-m.uncommitted, m.uncommitted, m.streams())
		op.Start()
		life = d.awaitRecording(fmt.Sprintf("trades recorded after kill %d", k+1))
		logText := readLog(t, op.LogPath(op.Runs()))
		for _, want := range []string{"did not stop cleanly", "replaying spooled points"} {
			if !strings.Contains(logText, want) {
				t.Errorf("run %d after kill %d: its log does not say %q", op.Runs(), k+1, want)
			}
		}
	}
	time.Sleep(3 * time.Second)
	// The last run's share is what it accepted before the watches stop
	// (their writers, and so their counters, go with them).
	m := d.scrape()
	d.endLife(life, m, time.Now())

	// Stop the streams, let the recorder deliver what it holds, then stop
	// the operator the way Kubernetes does.
	suspend := client.RawPatch(client.Merge.Type(), []byte(`{"spec":{"suspend":true}}`))
	for _, w := range watches {
		if err := c.Patch(ctx, w, suspend); err != nil {
			t.Fatalf("suspending SymbolWatch %s: %v", w.GetName(), err)
		}
	}
	stored, stable := int64(-1), 0
	opdrill.WaitForEvery(t, []*opdrill.Operator{op}, 2*time.Minute, time.Second, "the recorder to deliver everything", func() (bool, string) {
		n := storedPoints(t, influx)
		if n == stored {
			stable++
		} else {
			stored, stable = n, 0
		}
		return stable >= 4, fmt.Sprintf("%d points in InfluxDB", n)
	})
	if m := d.scrape(); m.uncommitted != 0 || m.buffered != 0 {
		t.Errorf("after the drain: %d points uncommitted, %d buffered", m.uncommitted, m.buffered)
	}
	if !op.Terminate(time.Minute) {
		t.Errorf("the operator did not exit cleanly on SIGTERM; its log is %s", op.LogPath(op.Runs()))
	}

	res := judge(t, influx, killedAt, d.accepted)
	rate := float64(d.fresh) / d.recording.Seconds()
	t.Logf("drill: %d runs, accepted %v points, stored %v (trades and health); %d trades, %d distinct; %.0f points/s recorded; "+
		"at most %d points uncommitted at a kill",
		op.Runs(), d.accepted, res.perRun, res.trades, res.distinct, rate, d.maxUncommitted)
	for _, h := range res.holes {
		t.Logf("hole in the trade ids away from the kills (trades the stream did not deliver): %s", h)
	}
	// The figures make bench reads.
	fmt.Printf("recording.kill9_lost_points: %d\n", res.lost)
	fmt.Printf("recording.kill9_duplicate_points: %d\n", res.trades-res.distinct)
	fmt.Printf("recording.kill9_points_per_sec: %.0f\n", rate)
	fmt.Printf("recording.kill9_uncommitted_max: %d\n", d.maxUncommitted)
	for _, e := range res.lostIn {
		t.Error(e)
	}
	if res.trades != res.distinct {
		t.Errorf("%d trades stored twice", res.trades-res.distinct)
	}
	if rate < minRate {
		t.Errorf("the operator recorded %.0f points a second, want at least %d", rate, minRate)
	}
}

// drill follows the operator's runs through its metrics.
type drill struct {
	t       *testing.T
	op      *opdrill.Operator
	metrics string

	accepted       []int64       // per run: points committed to the spool
	maxUncommitted int64         // the most points a kill found uncommitted
	fresh          int64         // points recorded while runs were timed
	recording      time.Duration // how long they were timed
}

// life is one run of the operator, timed from its first recorded point.
type life struct {
	start time.Time
	base  int64 // fresh points already counted at start
}

// awaitRecording waits until the current run records trades.
func (d *drill) awaitRecording(what string) life {
	var l life
	opdrill.WaitForEvery(d.t, []*opdrill.Operator{d.op}, 2*time.Minute, 50*time.Millisecond, what, func() (bool, string) {
		m, err := d.read()
		if err != nil {
			return false, err.Error() // not serving yet
		}
		l = life{start: time.Now(), base: m.fresh()}
		return l.base > 0, fmt.Sprintf("%d points produced", l.base)
	})
	return l
}

// endLife counts a run that ended at end, m being its last metrics.
func (d *drill) endLife(l life, m counters, end time.Time) {
	d.accepted = append(d.accepted, m.fresh()-m.uncommitted)
	d.maxUncommitted = max(d.maxUncommitted, m.uncommitted)
	d.fresh += m.fresh() - l.base
	d.recording += end.Sub(l.start)
}

// counters are the operator's recording figures, summed over its writers
// (the shared market data, each watch's own points): every one writes to
// the drill's databases.
type counters struct {
	produced, replayed, uncommitted, buffered int64
	raw                                       map[string]float64
}

// fresh is what the run recorded itself, replays left out.
func (m counters) fresh() int64 { return m.produced - m.replayed }

// streams sums up the stream side: what the hub read, dropped and lagged.
func (m counters) streams() string {
	var out []string
	for k, v := range m.raw {
		if strings.HasPrefix(k, "tradebot_marketdata_") && v != 0 {
			out = append(out, fmt.Sprintf("%s %g", strings.TrimPrefix(k, "tradebot_marketdata_"), v))
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// scrape reads the operator's counters; a run judged on counters it could
// not read would prove nothing, so failing to read ends the drill.
func (d *drill) scrape() counters {
	d.t.Helper()
	m, err := d.read()
	if err != nil {
		d.t.Fatalf("reading the operator's metrics: %v", err)
	}
	return m
}

func (d *drill) read() (counters, error) {
	resp, err := http.Get(d.metrics)
	if err != nil {
		return counters{}, err
	}
	defer resp.Body.Close()
	raw := map[string]float64{}
	var m counters
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return counters{}, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		var v float64
		if _, err := fmt.Sscan(line[i+1:], &v); err != nil {
			continue
		}
		series, _, _ := strings.Cut(line[:i], "{")
		switch series {
		case "tradebot_recording_points_produced_total":
			m.produced += int64(v)
		case "tradebot_recording_points_replayed_total":
			m.replayed += int64(v)
		case "tradebot_recording_buffer_points":
			m.buffered += int64(v)
		case "tradebot_recording_points_uncommitted":
			m.uncommitted += int64(v)
		default:
			if strings.HasPrefix(series, "tradebot_marketdata_") {
				raw[series] += v
			}
		}
	}
	m.raw = raw
	return m, nil
}

// storedPoints counts the points of the drill's databases: the trades, of
// both watches, and the watches' health points.
func storedPoints(t *testing.T, influx *influxtest.Server) int64 {
	var n int64
	for _, db := range databases {
		n += influx.Int(t, db, "SELECT count(trade_id) FROM price", "count") +
			influx.Int(t, db, "SELECT count(breaker_code) FROM health", "count")
	}
	return n
}

// watchObject records every trade of symbols into database.
func watchObject(name, database string) *unstructured.Unstructured {
	syms := make([]any, len(symbols))
	for i, s := range symbols {
		syms[i] = s
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": tradingv1alpha1.GroupVersion.String(),
		"kind":       "SymbolWatch",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec": map[string]any{
			"symbols": syms,
			"streams": map[string]any{"ticker": false, "trade": true, "klineIntervals": []any{}},
			"recording": map[string]any{
				"database": database, "flushInterval": "1s", "batchSize": int64(5000),
			},
		},
	}}
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type result struct {
	trades, distinct int64
	// perRun is what InfluxDB holds of each run: its trades, told apart
	// by the holes each kill leaves in every series' trade ids, and its
	// health points, told apart by their time.
	perRun []int64
	// lost is what runs accepted beyond what InfluxDB holds of them;
	// lostIn says which.
	lost   int64
	lostIn []string
	// holes are gaps in a series' trade ids beyond one per kill: trades
	// the stream did not deliver (the hub counts them as dropped).
	holes []string
}

// judge reads every point back and holds each run's share of them against
// what the run had accepted when it was killed.
func judge(t *testing.T, influx *influxtest.Server, killedAt []time.Time, accepted []int64) result {
	t.Helper()
	runs := len(killedAt) + 1
	res := result{perRun: make([]int64, runs)}
	var unsplit int64 // points of series whose runs cannot be told apart
	for _, db := range databases {
		for _, sr := range influx.Query(t, db, "SELECT count(distinct(trade_id)) FROM price GROUP BY *") {
			res.distinct += number(t, sr.Values[0][1])
			unsplit += res.splitRuns(t, tradeIDs(t, influx, db, sr.Tags), len(killedAt), fmt.Sprintf("%s %v", db, sr.Tags))
		}
		for _, sr := range influx.Query(t, db, "SELECT breaker_code FROM health") {
			for _, row := range sr.Values {
				at, err := time.Parse(time.RFC3339Nano, row[0].(string))
				if err != nil {
					t.Fatal(err)
				}
				res.perRun[sort.Search(len(killedAt), func(i int) bool { return killedAt[i].After(at) })]++
			}
		}
	}
	split := unsplit == 0
	if !split {
		// Only the totals can be compared.
		acc, stored := int64(0), unsplit
		for r := range runs {
			acc += accepted[r]
			stored += res.perRun[r]
		}
		res.lost = max(0, acc-stored)
		if res.lost > 0 {
			res.lostIn = append(res.lostIn, fmt.Sprintf("%d points accepted in all runs, %d stored", acc, stored))
		}
		return res
	}
	for r := range runs {
		if miss := accepted[r] - res.perRun[r]; miss > 0 {
			res.lost += miss
			res.lostIn = append(res.lostIn, fmt.Sprintf("run %d accepted %d points (committed to its spool), InfluxDB holds %d of them",
				r+1, accepted[r], res.perRun[r]))
		}
	}
	return res
}

// splitRuns counts a series' trade ids into the runs that recorded them:
// each kill leaves one hole in the ids. With more holes than kills it
// cannot tell which are the kills', records them and returns the ids'
// count instead.
func (res *result) splitRuns(t *testing.T, ids []int64, kills int, series string) (unsplit int64) {
	res.trades += int64(len(ids))
	slices.Sort(ids)
	var holes []int // index of the first id after each hole
	for i := 1; i < len(ids); i++ {
		if ids[i] > ids[i-1]+1 {
			holes = append(holes, i)
		}
	}
	if len(holes) != kills {
		for _, h := range holes {
			res.holes = append(res.holes, fmt.Sprintf("%s ids %d..%d", series, ids[h-1]+1, ids[h]-1))
		}
		return int64(len(ids))
	}
	from := 0
	for r, h := range append(holes, len(ids)) {
		res.perRun[r] += int64(h - from)
		from = h
	}
	return 0
}

func number(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// tradeIDs reads the trade ids of one series, in pages.
func tradeIDs(t *testing.T, influx *influxtest.Server, db string, tags map[string]string) []int64 {
	t.Helper()
	var where []string
	for k, v := range tags {
		where = append(where, fmt.Sprintf("%q = '%s'", k, v))
	}
	slices.Sort(where)
	var out []int64
	after := int64(0)
	for {
		series := influx.Query(t, db, fmt.Sprintf(
			"SELECT trade_id FROM price WHERE %s AND time > %d ORDER BY time LIMIT 50000",
			strings.Join(where, " AND "), after))
		if len(series) == 0 || len(series[0].Values) == 0 {
			return out
		}
		for _, row := range series[0].Values {
			at, err := time.Parse(time.RFC3339Nano, row[0].(string))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, number(t, row[1]))
			after = at.UnixNano()
		}
	}
}
