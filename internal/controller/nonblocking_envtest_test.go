package controller

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// writeLog records the requests that write a TradingBot's or SymbolWatch's
// status subresource, by group key.
type writeLog struct {
	mu     sync.Mutex
	writes map[string][]time.Time
}

// wrap is a rest.Config transport wrapper that records status writes.
func (l *writeLog) wrap(next http.RoundTripper) http.RoundTripper {
	return &statusWriteRecorder{log: l, next: next}
}

func (l *writeLog) add(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.writes == nil {
		l.writes = make(map[string][]time.Time)
	}
	l.writes[key] = append(l.writes[key], at)
}

// count returns how many status writes for key have been sent.
func (l *writeLog) count(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.writes[key])
}

type statusWriteRecorder struct {
	log  *writeLog
	next http.RoundTripper
}

func (r *statusWriteRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPatch || req.Method == http.MethodPut {
		if key, ok := statusPathKey(req.URL.Path); ok {
			r.log.add(key, time.Now())
		}
	}
	return r.next.RoundTrip(req)
}

// WrappedRoundTripper lets the suite close the idle connections underneath.
func (r *statusWriteRecorder) WrappedRoundTripper() http.RoundTripper { return r.next }

// statusPathKey maps .../namespaces/NS/tradingbots/NAME/status to the
// bot's group key (and likewise for symbolwatches).
func statusPathKey(path string) (string, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := 0; i+4 < len(parts); i++ {
		if parts[i] != "namespaces" || parts[i+4] != "status" {
			continue
		}
		nn := types.NamespacedName{Namespace: parts[i+1], Name: parts[i+3]}
		switch parts[i+2] {
		case "tradingbots":
			return groupKey(kindTradingBot, nn), true
		case "symbolwatches":
			return groupKey(kindSymbolWatch, nn), true
		}
	}
	return "", false
}

// deafTask is a task that ignores cancellation until release is closed, as
// a task stuck in a call that takes no context would; canceled is closed
// once its context has ended, i.e. once its group's stop has begun.
func deafTask(release <-chan struct{}) (supervisor.Task, <-chan struct{}) {
	canceled := make(chan struct{})
	return supervisor.Task{Name: "deaf", Run: func(ctx context.Context) error {
		<-ctx.Done()
		close(canceled)
		<-release
		return nil
	}}, canceled
}

// waitClosed fails the test unless ch is closed within waitTimeout.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		t.Fatalf("%s: not within %v", what, waitTimeout)
	}
}

// releaser returns a channel and a function closing it once; the test's
// cleanup closes it too, so no stuck task outlives the test.
func releaser(t *testing.T) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	return ch, release
}

// testSlowStopBlocksNoOne stops as many bots as a controller has workers,
// each with a task that ignores its cancellation, and creates another bot
// while those stops hang. A reconcile that waited for its group's stop
// would take every worker until the stop timeout (longer than the test
// waits); the bystander must reach Running while the stops still hang.
func testSlowStopBlocksNoOne(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "slowstop")
	release, releaseAll := releaser(t)
	var stuck []types.NamespacedName
	var canceled []<-chan struct{}
	for i := range maxConcurrentReconciles {
		nn := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: fmt.Sprintf("stuck-%d", i)}, "BTCUSDT"))
		s.waitForBot(t, nn, "Running", botPhase(tradingv1alpha1.BotPhaseRunning))
		task, c := deafTask(release)
		if err := s.supervisor.AddTask(botKey(nn), task); err != nil {
			t.Fatalf("adding the deaf task: %v", err)
		}
		stuck, canceled = append(stuck, nn), append(canceled, c)
	}
	for _, nn := range stuck {
		update(t, s, nn, newBotObj, func(b *tradingv1alpha1.TradingBot) { b.Spec.Suspend = true })
	}
	for i, c := range canceled {
		waitClosed(t, c, fmt.Sprintf("%s's stop begun", stuck[i]))
	}

	bystander := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: "bystander"}, "ETHUSDT"))
	s.waitForBot(t, bystander, "Running while other bots' stops hang", botPhase(tradingv1alpha1.BotPhaseRunning))
	for _, nn := range stuck {
		// Still stopping: the deaf tasks are held until now.
		if snap, ok := s.supervisor.Snapshot(botKey(nn)); !ok || !snap.Stopping {
			t.Errorf("%s: group listed %v, snapshot %+v; want it still stopping", nn, ok, snap)
		}
		// The status never runs ahead of the group.
		if b := get(t, s, nn, newBotObj); b.Status.Phase == tradingv1alpha1.BotPhaseSuspended {
			t.Errorf("%s says Suspended while its group has not stopped", nn)
		}
	}

	releaseAll()
	for _, nn := range stuck {
		s.waitForBot(t, nn, "Suspended once its tasks returned", botPhase(tradingv1alpha1.BotPhaseSuspended))
		if v, ok := s.supervisor.Version(botKey(nn)); ok {
			t.Errorf("%s is Suspended but its group is still listed (version %s)", nn, v)
		}
	}
}

// testDeleteWaitsForStop deletes a bot whose group does not stop at once:
// the finalizer stays while the group stops, the reconciler is not held by
// the stop (it keeps coming back and returning), and the object goes only
// after the group has.
func testDeleteWaitsForStop(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "slowdelete")
	nn := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: "lingering"}, "BNBUSDT"))
	key := botKey(nn)
	s.waitForBot(t, nn, "Running with the finalizer", func(b *tradingv1alpha1.TradingBot) bool {
		return controllerutil.ContainsFinalizer(b, Finalizer) && botPhase(tradingv1alpha1.BotPhaseRunning)(b)
	})
	release, releaseAll := releaser(t)
	task, canceled := deafTask(release)
	if err := s.supervisor.AddTask(key, task); err != nil {
		t.Fatalf("adding the deaf task: %v", err)
	}
	if err := s.c.Delete(context.Background(), get(t, s, nn, newBotObj)); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, canceled, "the group's stop begun")

	// Three more reconciles, each started after the one before returned
	// (reconciles of one object never overlap): none waited for the stop.
	base := s.reads.get(key)
	eventually(t, "reconciles while the group stops", func() (bool, string) {
		n := s.reads.get(key)
		if n >= base+3 {
			return true, ""
		}
		s.changes.Notify(key)
		return false, fmt.Sprintf("%d reconciles since the stop began", n-base)
	})
	b := get(t, s, nn, newBotObj)
	if b.DeletionTimestamp.IsZero() || !controllerutil.ContainsFinalizer(b, Finalizer) {
		t.Errorf("while the group stops: deletionTimestamp %v, finalizers %v; want deleting with the finalizer", b.DeletionTimestamp, b.Finalizers)
	}
	if snap, ok := s.supervisor.Snapshot(key); !ok || !snap.Stopping {
		t.Errorf("group listed %v, snapshot %+v; want it still stopping", ok, snap)
	}

	releaseAll()
	// Deleted above already: once the stop ends it may go at any moment.
	waitGone(t, s, nn, newBotObj)
	if v, ok := s.supervisor.Version(key); ok {
		t.Errorf("the bot is gone but its group is still listed (version %s)", v)
	}
}

// testSteadyStatusWrites counts the status writes that reach the API server
// for bots woken again and again by the change feed: none while nothing
// changed, and for a running bot whose figures always move, no more than
// one per status interval.
func testSteadyStatusWrites(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "steady")

	// A suspended bot: nothing about it changes.
	quiet := newBot(types.NamespacedName{Namespace: ns, Name: "quiet"}, "BTCUSDT")
	quiet.Spec.Suspend = true
	qnn := s.createBot(t, quiet)
	qkey := botKey(qnn)
	s.waitForBot(t, qnn, "Suspended", botPhase(tradingv1alpha1.BotPhaseSuspended))
	// wake makes n reconciles happen, each after the one before returned.
	wake := func(key string, n int) {
		for range n {
			before := s.reads.get(key)
			eventually(t, "a reconcile from the change feed", func() (bool, string) {
				got := s.reads.get(key)
				if got > before {
					return true, ""
				}
				s.changes.Notify(key)
				return false, fmt.Sprintf("%d reconciles", got)
			})
		}
	}
	wake(qkey, 1) // the last write before the window has been sent
	writes := s.statusWrites.count(qkey)
	wake(qkey, 6) // the first five are all done once the sixth starts
	if n := s.statusWrites.count(qkey) - writes; n != 0 {
		t.Errorf("%d status writes for a bot whose status did not change", n)
	}

	// A running bot: lag, weight and prices move all the time, and every
	// wake-up sees a new status; writes must still keep to the interval.
	rnn := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: "busy"}, "SOLUSDT"))
	rkey := botKey(rnn)
	s.waitForBot(t, rnn, "Running", botPhase(tradingv1alpha1.BotPhaseRunning))
	const window = 4 * statusInterval
	for attempt := 1; ; attempt++ {
		start := time.Now()
		before := get(t, s, rnn, newBotObj)
		writes, reads := s.statusWrites.count(rkey), s.reads.get(rkey)
		// The window lasts at least 4 intervals, and longer on a busy
		// machine, until enough reconciles happened for the bound on
		// writes to mean something (at most 30 s).
		for {
			s.changes.Notify(rkey)
			time.Sleep(pollInterval)
			elapsed := time.Since(start)
			enough := s.reads.get(rkey)-reads >= 2*(int(elapsed/statusInterval)+2)
			if elapsed >= 30*time.Second || elapsed >= window && enough {
				break
			}
		}
		wake(rkey, 1)
		elapsed := time.Since(start)
		written, woken := s.statusWrites.count(rkey)-writes, s.reads.get(rkey)-reads
		after := get(t, s, rnn, newBotObj)
		t.Logf("window %d: %d status writes, %d reconciles in %v", attempt, written, woken, elapsed.Round(time.Millisecond))
		if transitioned(before, after, start) && attempt < 3 {
			// Something readers act on changed, which is written at once;
			// look at a quieter window.
			continue
		}
		// Writes at most one interval apart fit window/interval+1 times;
		// one more for a write decided just before the window.
		limit := int(elapsed/statusInterval) + 2
		if written > limit {
			t.Errorf("%d status writes in %v with --status-interval=%v (%d reconciles); want at most %d", written, elapsed, statusInterval, woken, limit)
		}
		if woken < 2*limit {
			t.Errorf("only %d reconciles in the window: too few to show the writes are held back", woken)
		}
		if written == 0 {
			t.Errorf("no status write in %v for a running bot: its figures should have been refreshed", window)
		}
		return
	}
}

// transitioned reports whether a bot's phase, generation, or any condition
// or task state changed between two reads, or since start.
func transitioned(before, after *tradingv1alpha1.TradingBot, start time.Time) bool {
	if botHeadline(before) != botHeadline(after) {
		return true
	}
	since := start.Truncate(time.Second)
	for _, c := range after.Status.Conditions {
		if !c.LastTransitionTime.Time.Before(since) {
			return true
		}
	}
	for _, task := range after.Status.Tasks {
		if !task.Since.Time.Before(since) {
			return true
		}
	}
	return false
}

func botHeadline(b *tradingv1alpha1.TradingBot) string {
	st := b.Status
	return headline(string(st.Phase), st.ObservedGeneration, st.Conditions, st.Exchange, st.Tasks)
}
