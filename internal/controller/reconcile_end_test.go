package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// runningStatus is a Running bot's status with a few figures.
func runningStatus() tradingv1alpha1.TradingBotStatus {
	return tradingv1alpha1.TradingBotStatus{
		ObservedGeneration: 2,
		Phase:              tradingv1alpha1.BotPhaseRunning,
		Conditions: []metav1.Condition{
			{Type: tradingv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: tradingv1alpha1.ReasonRunning,
				Message: "running", ObservedGeneration: 2, LastTransitionTime: metav1.NewTime(t0)},
			{Type: tradingv1alpha1.ConditionMarketDataFresh, Status: metav1.ConditionTrue, Reason: tradingv1alpha1.ReasonStreamsFresh,
				Message: "1 stream(s); lag 12 ms", ObservedGeneration: 2, LastTransitionTime: metav1.NewTime(t0)},
		},
		Exchange:   &tradingv1alpha1.ExchangeStatus{Breaker: tradingv1alpha1.BreakerStatus{State: tradingv1alpha1.BreakerClosed}},
		MarketData: &tradingv1alpha1.MarketDataStatus{Streams: 1, LagMs: 12},
		Tasks:      []tradingv1alpha1.TaskStatus{{Name: "exchange-health", State: "Running", Since: metav1.NewTime(t0)}},
	}
}

func TestBotStatusChange(t *testing.T) {
	tests := []struct {
		name            string
		change          func(s *tradingv1alpha1.TradingBotStatus)
		changed, urgent bool
	}{
		{"nothing", func(*tradingv1alpha1.TradingBotStatus) {}, false, false},
		{"a time finer than the API server keeps", func(s *tradingv1alpha1.TradingBotStatus) {
			s.Conditions[0].LastTransitionTime = metav1.NewTime(t0.Add(300 * time.Millisecond))
		}, false, false},
		{"an empty list for none", func(s *tradingv1alpha1.TradingBotStatus) {
			s.Exchange.UnknownSymbols = []string{}
		}, false, false},
		{"the lag", func(s *tradingv1alpha1.TradingBotStatus) { s.MarketData.LagMs = 40 }, true, false},
		{"a condition's message", func(s *tradingv1alpha1.TradingBotStatus) {
			s.Conditions[1].Message = "1 stream(s); lag 40 ms"
		}, true, false},
		{"signals counted", func(s *tradingv1alpha1.TradingBotStatus) {
			s.Signals = &tradingv1alpha1.SignalsStatus{Total: 1, Buy: 1}
		}, true, false},
		{"the phase", func(s *tradingv1alpha1.TradingBotStatus) { s.Phase = tradingv1alpha1.BotPhaseDegraded }, true, true},
		{"a condition's status", func(s *tradingv1alpha1.TradingBotStatus) {
			s.Conditions[1].Status, s.Conditions[1].Reason = metav1.ConditionFalse, tradingv1alpha1.ReasonStreamsStale
		}, true, true},
		{"the generation", func(s *tradingv1alpha1.TradingBotStatus) { s.ObservedGeneration = 3 }, true, true},
		{"the breaker", func(s *tradingv1alpha1.TradingBotStatus) {
			s.Exchange.Breaker.State = tradingv1alpha1.BreakerOpen
		}, true, true},
		{"a task's state", func(s *tradingv1alpha1.TradingBotStatus) { s.Tasks[0].State = "Backoff" }, true, true},
		{"a halt", func(s *tradingv1alpha1.TradingBotStatus) {
			at := metav1.NewTime(t0)
			s.Trading = &tradingv1alpha1.TradingStatus{HaltedAt: &at}
		}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, next := runningStatus(), runningStatus()
			tt.change(&next)
			changed, urgent := botStatusChange(&cur, &next)
			if changed != tt.changed || urgent != tt.urgent {
				t.Errorf("changed, urgent = %v, %v; want %v, %v", changed, urgent, tt.changed, tt.urgent)
			}
		})
	}
}

// endHarness is a reconcileEnd over a fake API server that counts status
// writes.
type endHarness struct {
	c    client.Client
	sent int // status writes sent
	// fail, when set, is what the next status write returns.
	fail   error
	writes statusWrites
}

func newEndHarness(t *testing.T) *endHarness {
	t.Helper()
	scheme := k8sruntime.NewScheme()
	if err := tradingv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	h := &endHarness{}
	bot := &tradingv1alpha1.TradingBot{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "bot", Generation: 2}, Status: runningStatus()}
	h.c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(bot).WithStatusSubresource(bot).
		WithInterceptorFuncs(interceptor.Funcs{SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			h.sent++
			if err := h.fail; err != nil {
				h.fail = nil
				return err
			}
			return c.SubResource(sub).Update(ctx, obj, opts...)
		}}).Build()
	return h
}

// end reads the bot and returns a reconcileEnd at now whose status is the
// stored one changed by change (nil: no status computed).
func (h *endHarness) end(t *testing.T, now time.Time, run groupRun, change func(s *tradingv1alpha1.TradingBotStatus)) (*reconcileEnd, *tradingv1alpha1.TradingBot) {
	t.Helper()
	bot := &tradingv1alpha1.TradingBot{}
	if err := h.c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "bot"}, bot); err != nil {
		t.Fatal(err)
	}
	e := &reconcileEnd{c: h.c, writes: &h.writes, interval: 10 * time.Second, now: now, key: "TradingBot/ns/bot", obj: bot, run: run}
	if change != nil {
		next := *bot.Status.DeepCopy()
		change(&next)
		changed, urgent := botStatusChange(&bot.Status, &next)
		e.status = &statusChange{changed: changed, urgent: urgent, apply: func() func() {
			bot.Status = next
			return func() {}
		}}
	}
	return e, bot
}

func TestReconcileEnd(t *testing.T) {
	ctx := context.Background()
	h := newEndHarness(t)
	lag := func(ms int64) func(s *tradingv1alpha1.TradingBotStatus) {
		return func(s *tradingv1alpha1.TradingBotStatus) { s.MarketData.LagMs = ms }
	}
	step := func(name string, now time.Time, run groupRun, change func(s *tradingv1alpha1.TradingBotStatus), inErr error,
		wantWrites int, wantRequeue time.Duration, wantErr bool) {
		t.Helper()
		e, _ := h.end(t, now, run, change)
		res, err := e.finish(ctx, inErr)
		if (err != nil) != wantErr || h.sent != wantWrites || res.RequeueAfter != wantRequeue {
			t.Errorf("%s: requeue %v, err %v, %d status writes so far; want requeue %v, error %v, %d",
				name, res.RequeueAfter, err, h.sent, wantRequeue, wantErr, wantWrites)
		}
	}
	interval := 10 * time.Second

	step("nothing changed, running", t0, groupRunning, func(*tradingv1alpha1.TradingBotStatus) {}, nil, 0, interval, false)
	step("nothing changed, idle", t0, groupIdle, func(*tradingv1alpha1.TradingBotStatus) {}, nil, 0, 0, false)
	step("a group still stopping: no status", t0, groupStopping, nil, nil, 0, interval, false)
	step("an error", t0, groupRunning, lag(20), errors.New("boom"), 0, 0, true)
	step("a figure, never written before", t0, groupRunning, lag(20), nil, 1, interval, false)
	step("another figure 3s later waits", t0.Add(3*time.Second), groupRunning, lag(30), nil, 1, 7*time.Second, false)
	step("and waits, idle too", t0.Add(4*time.Second), groupIdle, lag(30), nil, 1, 6*time.Second, false)
	step("a phase change goes at once", t0.Add(5*time.Second), groupRunning, func(s *tradingv1alpha1.TradingBotStatus) {
		s.Phase = tradingv1alpha1.BotPhaseDegraded
	}, nil, 2, interval, false)
	step("a figure right after it waits a whole interval", t0.Add(6*time.Second), groupRunning, lag(40), nil, 2, 9*time.Second, false)
	step("once the interval is up it is written", t0.Add(15*time.Second), groupRunning, lag(40), nil, 3, interval, false)

	h.fail = apierrors.NewConflict(schema.GroupResource{Group: "trading.tradebot.dev", Resource: "tradingbots"}, "bot", errors.New("stale"))
	step("a conflict retries soon", t0.Add(30*time.Second), groupRunning, lag(50), nil, 4, staleRetryDelay, false)
	h.fail = errors.New("unavailable")
	step("another failure is an error", t0.Add(31*time.Second), groupRunning, lag(50), nil, 5, 0, true)
	step("the retry writes", t0.Add(32*time.Second), groupRunning, lag(50), nil, 6, interval, false)
	e, _ := h.end(t, t0.Add(33*time.Second), groupRunning, nil)
	if got := e.obj.(*tradingv1alpha1.TradingBot).Status.MarketData.LagMs; got != 50 {
		t.Errorf("stored lag = %d, want the written 50", got)
	}

	h.writes.forget("TradingBot/ns/bot")
	step("a forgotten resource is written at once", t0.Add(34*time.Second), groupRunning, lag(60), nil, 7, interval, false)
}

func TestMinRequeue(t *testing.T) {
	for _, tt := range []struct{ a, b, want time.Duration }{
		{0, 0, 0}, {0, time.Second, time.Second}, {time.Second, 0, time.Second}, {2 * time.Second, time.Second, time.Second},
	} {
		if got := minRequeue(tt.a, tt.b); got != tt.want {
			t.Errorf("minRequeue(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestStartHold: only a new resource's "starting" status waits, and never
// past startGrace from its group's start (or, before that, its creation).
func TestStartHold(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name            string
		stored, next    string
		started, create time.Time
		now             time.Time
		want            time.Duration
	}{
		{"new, just started", "", "Pending", t0, t0, t0.Add(time.Second), startGrace - time.Second},
		{"new, not launched yet", "", "Pending", time.Time{}, t0, t0.Add(500 * time.Millisecond), startGrace - 500*time.Millisecond},
		{"new, past the grace", "", "Pending", t0, t0, t0.Add(startGrace + time.Second), 0},
		{"new and already running", "", "Running", t0, t0, t0.Add(time.Second), 0},
		{"new and failed", "", "Failed", t0, t0, t0, 0},
		{"had a phase already", "Running", "Pending", t0, t0, t0, 0},
		{"nothing to go by", "", "Pending", time.Time{}, time.Time{}, t0, 0},
	}
	for _, tc := range tests {
		if got := startHold(tc.stored, tc.next, tc.started, tc.create, tc.now); got != tc.want {
			t.Errorf("%s: hold %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReconcileEndPriority: a requeue that only refreshes figures goes
// behind everything else queued; a start held for its group, a retry after
// a conflict and a change written at once do not.
func TestReconcileEndPriority(t *testing.T) {
	ctx := context.Background()
	h := newEndHarness(t)
	lag := func(ms int64) func(s *tradingv1alpha1.TradingBotStatus) {
		return func(s *tradingv1alpha1.TradingBotStatus) { s.MarketData.LagMs = ms }
	}
	step := func(name string, e *reconcileEnd, wantPriority *int) {
		t.Helper()
		res, err := e.finish(ctx, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch {
		case wantPriority == nil && res.Priority != nil:
			t.Errorf("%s: priority %d, want none (no requeue)", name, *res.Priority)
		case wantPriority != nil && (res.Priority == nil || *res.Priority != *wantPriority):
			t.Errorf("%s: priority %v, want %d", name, res.Priority, *wantPriority)
		}
	}
	low, normal := routinePriority, normalPriority
	if low >= normal {
		t.Fatalf("routine priority %d is not below the normal %d", low, normal)
	}

	e, _ := h.end(t, t0, groupRunning, func(*tradingv1alpha1.TradingBotStatus) {})
	step("nothing changed, running", e, &low)
	e, _ = h.end(t, t0, groupIdle, func(*tradingv1alpha1.TradingBotStatus) {})
	step("nothing changed, idle", e, nil)
	e, _ = h.end(t, t0, groupRunning, lag(20))
	step("a figure written", e, &low)
	e, _ = h.end(t, t0.Add(time.Second), groupRunning, lag(30))
	step("a figure waiting for the interval", e, &low)
	e, _ = h.end(t, t0.Add(2*time.Second), groupRunning, func(s *tradingv1alpha1.TradingBotStatus) {
		s.Phase = tradingv1alpha1.BotPhaseDegraded
	})
	step("a phase change written at once", e, &low)
	e, _ = h.end(t, t0.Add(3*time.Second), groupRunning, lag(40))
	e.hold = time.Second
	step("a start held for its group", e, &normal)
	h.fail = apierrors.NewConflict(schema.GroupResource{Group: "trading.tradebot.dev", Resource: "tradingbots"}, "bot", errors.New("stale"))
	e, _ = h.end(t, t0.Add(4*time.Second), groupRunning, func(s *tradingv1alpha1.TradingBotStatus) {
		s.Phase = tradingv1alpha1.BotPhaseRunning
		s.Tasks[0].State = "Backoff"
	})
	step("a conflict", e, &normal)
}
