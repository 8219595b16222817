package recording

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/recording/influxtest"
)

// The kill -9 drill: a child process (this test binary, run again) records
// at drillRate points/s into a real influxd through a spool directory and
// is killed with SIGKILL drillKills times, restarted on the same directory
// each time. Every point the child reported committed before a kill must
// reach InfluxDB, once.

const (
	drillKills = 5
	drillRate  = 20_000 // points/s
	drillRun   = 1000   // seq offset between runs: run r writes seq r*drillRun*drillRate + i
	envChild   = "RECORDING_DRILL_CHILD"
)

func TestKill9Drill(t *testing.T) {
	srv := influxtest.Start(t, influxtest.Options{})
	res := runKill9Drill(t, srv)
	t.Logf("drill: %+v", res)
	if res.lostCommitted != 0 {
		t.Errorf("%d points committed before a kill never reached InfluxDB", res.lostCommitted)
	}
	if res.duplicates != 0 {
		t.Errorf("%d points stored twice", res.duplicates)
	}
	// What a kill may cost: the points staged since the last commit. The
	// bound is generous (the reports lag and a busy machine commits late);
	// a crash that lost delivered or committed points fails above.
	if limit := int64(drillKills * drillRate); res.lostUncommitted > limit {
		t.Errorf("%d uncommitted points lost in %d kills, more than a second's worth each", res.lostUncommitted, drillKills)
	}
	if res.rate < 10_000 {
		t.Errorf("the child recorded %.0f points/s, want at least 10 000", res.rate)
	}
	if res.uncleanStarts != drillKills {
		t.Errorf("%d restarts noticed an unclean stop, want %d", res.uncleanStarts, drillKills)
	}
}

type drillResult struct {
	produced, committed, stored int64
	// lostCommitted: reported committed before a kill, not in InfluxDB.
	// lostUncommitted: written before the last report, not committed by
	// the kill, so lost (what a crash may cost).
	lostCommitted, lostUncommitted int64
	duplicates, uncleanStarts      int64
	rate                           float64 // points/s the children wrote
}

func runKill9Drill(t *testing.T, srv *influxtest.Server) drillResult {
	t.Helper()
	srv.CreateDatabase(t, "drill")
	dir := t.TempDir()
	var res drillResult
	var elapsed time.Duration
	committed := make([]int64, drillKills) // per run, as last reported before the kill
	produced := make([]int64, drillKills)
	for run := range drillKills {
		c := startDrillChild(t, srv.URL, dir, run)
		// Let it record for a while, then kill it mid-stream.
		time.Sleep(time.Duration(700+rand.IntN(600)) * time.Millisecond)
		start, rep := c.startedAt, c.last()
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = c.cmd.Wait()
		<-c.done
		if rep.unclean != (run > 0) {
			t.Errorf("run %d: unclean start reported %v", run, rep.unclean)
		}
		if rep.unclean {
			res.uncleanStarts++
		}
		committed[run], produced[run] = rep.committed, rep.produced
		elapsed += rep.at.Sub(start)
		res.produced += rep.produced
		res.committed += rep.committed
	}
	// The last restart only delivers what the last kill left.
	s, err := NewSink(SinkOptions{URL: srv.URL, SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if s.Stats().Spool.UncleanStart {
		res.uncleanStarts++
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Close(ctx); n != 0 || err != nil {
		t.Fatalf("Close: %d, %v", n, err)
	}

	for run := range drillKills {
		lo := int64(run) * drillRun * drillRate
		q := func(from, to int64) int64 {
			return srv.Int(t, "drill", fmt.Sprintf("SELECT count(seq) FROM drill WHERE seq >= %d AND seq < %d", from, to), "count")
		}
		got := q(lo, lo+committed[run])
		res.lostCommitted += committed[run] - got
		res.lostUncommitted += produced[run] - q(lo, lo+produced[run])
		res.stored += q(lo, lo+drillRun*drillRate)
	}
	total := srv.Int(t, "drill", "SELECT count(seq) FROM drill", "count")
	distinct := srv.Int(t, "drill", "SELECT count(distinct(seq)) FROM drill", "count")
	res.duplicates = total - distinct
	if elapsed > 0 {
		res.rate = float64(res.produced) / elapsed.Seconds()
	}
	return res
}

// drillReport is a child's last progress line.
type drillReport struct {
	produced, committed int64
	unclean             bool
	at                  time.Time
}

type drillProc struct {
	cmd       *exec.Cmd
	startedAt time.Time
	report    atomic.Pointer[drillReport]
	done      chan struct{} // closed when its output is read to the end
}

func (c *drillProc) last() drillReport {
	if r := c.report.Load(); r != nil {
		return *r
	}
	return drillReport{}
}

func startDrillChild(t *testing.T, url, dir string, run int) *drillProc {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envChild+"=1", "DRILL_URL="+url, "DRILL_DIR="+dir, "DRILL_RUN="+strconv.Itoa(run))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &drillProc{cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan time.Time, 1)
	go func() { // ends when the child's stdout closes
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var r drillReport
			var unclean int
			if _, err := fmt.Sscanf(sc.Text(), "drill produced=%d committed=%d unclean=%d", &r.produced, &r.committed, &unclean); err != nil {
				continue // go test's own lines
			}
			r.unclean, r.at = unclean == 1, time.Now()
			if c.report.Swap(&r) == nil {
				ready <- r.at
			}
		}
	}()
	select {
	case c.startedAt = <-ready:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the drill child never started recording")
	}
	return c
}

// drillChild is the drill's child process (see TestMain): it records
// until killed.
func drillChild() {
	run, _ := strconv.Atoi(os.Getenv("DRILL_RUN"))
	s, err := NewSink(SinkOptions{URL: os.Getenv("DRILL_URL"), SpoolDir: os.Getenv("DRILL_DIR"),
		RetryBase: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "drill child:", err)
		os.Exit(2)
	}
	unclean := 0
	if s.Stats().Spool.UncleanStart {
		unclean = 1
	}
	w := s.Writer("ns/drill", WriterOptions{Database: "drill", FlushInterval: 200 * time.Millisecond})
	base := time.Unix(1_700_000_000, 0)
	lo := int64(run) * drillRun * drillRate
	var i int64
	tick := time.NewTicker(time.Millisecond)
	start := time.Now()
	for n := 0; ; n++ {
		// Keep to drillRate on average, whatever the ticker delivers.
		for want := int64(time.Since(start).Seconds() * drillRate); i < want; i++ {
			seq := lo + i
			w.Write(Point{
				Measurement: "drill",
				Tags:        []Tag{{Key: "resource", Value: "drill"}},
				Fields:      []Field{Int("seq", seq), Float("price", 65000.5)},
				Time:        base.Add(time.Duration(seq) * time.Microsecond),
			})
		}
		if n%10 == 0 {
			// Points are committed in order: all but the uncommitted tail.
			st := w.Stats()
			fmt.Printf("drill produced=%d committed=%d unclean=%d\n", i, i-st.Uncommitted, unclean)
		}
		<-tick.C
	}
}
