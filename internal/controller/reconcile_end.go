package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// groupRun is what a reconcile left a resource's group doing; it decides
// when the resource is reconciled again if nothing else wakes it.
type groupRun int

const (
	// groupIdle: nothing runs and nothing is stopping. Only a change to the
	// resource, its Secret or the operator wakes it.
	groupIdle groupRun = iota
	// groupRunning: the group runs; its status is refreshed every
	// StatusInterval.
	groupRunning
	// groupStopping: a group is still stopping. The supervisor's
	// notification when it has gone wakes the reconciler through the change
	// feed; the requeue after StatusInterval only covers a dropped wake-up.
	groupStopping
)

// statusChange is a status a reconcile computed, for endReconcile to write.
type statusChange struct {
	// changed: the status differs from the one the object holds, as the
	// API server would store it.
	changed bool
	// urgent: it differs in what readers act on (phase, conditions'
	// status and reason, the breaker, task states, the generation), not
	// only in figures; such a change is written at once.
	urgent bool
	// apply sets the new status on the object and returns what to do once
	// it has been written (emit the Events the change deserves).
	apply func() (written func())
}

// statusWrites remembers when each resource's status was last written, so
// that routine changes (figures that move all the time) are written at
// most once per interval per resource. The zero value is ready to use.
type statusWrites struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// wait returns how long a routine change of key's status must wait before
// it may be written; zero means now.
func (w *statusWrites) wait(key string, now time.Time, interval time.Duration) time.Duration {
	w.mu.Lock()
	last, ok := w.last[key]
	w.mu.Unlock()
	if !ok {
		return 0
	}
	return max(interval-now.Sub(last), 0)
}

func (w *statusWrites) wrote(key string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last == nil {
		w.last = make(map[string]time.Time)
	}
	w.last[key] = at
}

func (w *statusWrites) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.last, key)
}

// reconcileEnd is how every reconcile of a live resource ends: with at most
// one status write, and the one decision about when to reconcile again.
// It is deferred by the reconcilers, so no path writes status elsewhere.
type reconcileEnd struct {
	c        client.Client
	writes   *statusWrites
	interval time.Duration // --status-interval
	now      time.Time
	key      string
	obj      client.Object
	// run and status are filled in as the reconcile goes; status stays nil
	// while a group is stopping, so a status never runs ahead of it.
	run    groupRun
	status *statusChange
	// hold, when set, keeps a status that only says "starting" unwritten
	// for that long: see startHold.
	hold time.Duration
}

// startGrace is how long a new resource's first status may wait for its
// group to report: most groups run within it, and the resource's first
// write then says Running, sparing the API server a Pending status and its
// Event per resource (thousands of bots are often applied at once).
const startGrace = 3 * time.Second

// startHold returns how long to hold a status write: a resource with no
// phase yet, whose group started (or, not launched yet, which was created)
// less than startGrace ago and still says Pending, waits for the group;
// the change feed brings it back as soon as the group reports. Anything
// else is written as usual, and nothing waits past startGrace.
func startHold(stored, next string, started, created, now time.Time) time.Duration {
	if stored != "" || next != "Pending" {
		return 0
	}
	since := started
	if since.IsZero() {
		since = created
	}
	if since.IsZero() {
		return 0
	}
	return max(startGrace-now.Sub(since), 0)
}

// finish writes the status if it must and decides the requeue. err is the
// reconcile's error so far: with one, nothing is written and the
// controller's backoff decides the retry.
func (e *reconcileEnd) finish(ctx context.Context, err error) (ctrl.Result, error) {
	if err != nil {
		return ctrl.Result{}, err
	}
	var requeue time.Duration
	if e.run != groupIdle {
		requeue = e.interval
	}
	if e.hold > 0 && e.status != nil && e.status.changed {
		return ctrl.Result{RequeueAfter: minRequeue(requeue, e.hold), Priority: new(normalPriority)}, nil
	}
	if st := e.status; st != nil && st.changed {
		if wait := e.writes.wait(e.key, e.now, e.interval); wait > 0 && !st.urgent {
			// Only figures moved and the last write is recent: write them
			// when the interval is up.
			return routine(minRequeue(requeue, wait)), nil
		}
		written := st.apply()
		if err := writeStatus(ctx, e.c, e.obj); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: staleRetryDelay, Priority: new(normalPriority)}, nil
			}
			return ctrl.Result{}, fmt.Errorf("writing status: %w", err)
		}
		e.writes.wrote(e.key, e.now)
		written()
	}
	return routine(requeue), nil
}

// Queue priorities. A requeue that only refreshes figures yields to
// anything else queued: when thousands of bots are applied at once, their
// first status (and every change readers act on) goes before the figures of
// the bots already running, which would otherwise take most of the API
// server's writes. Such a refresh waits, it is not dropped; the next
// wake-up of another kind takes it up at once.
const (
	normalPriority  = 0
	routinePriority = handler.LowPriority
)

// routine is a requeue for the periodic refresh: after, at routinePriority.
func routine(after time.Duration) ctrl.Result {
	if after == 0 {
		return ctrl.Result{}
	}
	return ctrl.Result{RequeueAfter: after, Priority: new(routinePriority)}
}

// minRequeue is the sooner of two requeue delays, where zero means none.
func minRequeue(a, b time.Duration) time.Duration {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// sameStored reports whether a and b are stored alike: compared as JSON,
// since times keep only whole seconds and empty lists vanish there, and a
// patch of such differences would write nothing but a new resourceVersion.
func sameStored(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// headline is the part of a status that readers act on. A change there is
// written at once; any other change waits for the status interval.
func headline(phase string, generation int64, conds []metav1.Condition, ex *tradingv1alpha1.ExchangeStatus,
	tasks []tradingv1alpha1.TaskStatus) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s gen=%d breaker=%s", phase, generation, breakerOf(ex))
	for _, c := range conds {
		fmt.Fprintf(&b, " %s=%s/%s@%d", c.Type, c.Status, c.Reason, c.ObservedGeneration)
	}
	for _, t := range tasks {
		fmt.Fprintf(&b, " task %s=%s", t.Name, t.State)
	}
	return b.String()
}

// botStatusChange compares a TradingBot's stored status with a new one.
func botStatusChange(cur, next *tradingv1alpha1.TradingBotStatus) (changed, urgent bool) {
	if sameStored(cur, next) {
		return false, false
	}
	halted := func(s *tradingv1alpha1.TradingBotStatus) bool { return s.Trading != nil && s.Trading.HaltedAt != nil }
	return true, halted(cur) != halted(next) ||
		headline(string(cur.Phase), cur.ObservedGeneration, cur.Conditions, cur.Exchange, cur.Tasks) !=
			headline(string(next.Phase), next.ObservedGeneration, next.Conditions, next.Exchange, next.Tasks)
}

// watchStatusChange compares a SymbolWatch's stored status with a new one.
func watchStatusChange(cur, next *tradingv1alpha1.SymbolWatchStatus) (changed, urgent bool) {
	if sameStored(cur, next) {
		return false, false
	}
	return true, headline(string(cur.Phase), cur.ObservedGeneration, cur.Conditions, cur.Exchange, cur.Tasks) !=
		headline(string(next.Phase), next.ObservedGeneration, next.Conditions, next.Exchange, next.Tasks)
}
