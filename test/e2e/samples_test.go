package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/controller"
)

// Forms of filled-in printer columns.
const (
	// weightForm is WEIGHT: "used/limit" per minute.
	weightForm = `^[0-9]+/[0-9]+$`
	// signalsForm is SIGNALS once a signal was reported:
	// "3 BUY, 2 SELL; last SELL ETHUSDT".
	signalsForm = `^([0-9]+) BUY, ([0-9]+) SELL; last (BUY|SELL) [A-Z0-9]+$`
	// pnlForm is PNL: realized plus unrealized, two decimals, the quote asset.
	pnlForm = `^-?[0-9]+\.[0-9]{2} [A-Z]+$`
)

// TestSamples applies config/samples in a namespace of its own and takes
// them through what a user sees with kubectl get, read through the API
// server's Table API (the CRDs' printer columns):
//
//   - each sample reaches Running with its status and columns filled in;
//   - each sample with a strategy reports signals (SIGNALS);
//   - each Paper bot fills an order and shows a PnL (PNL);
//   - the simulator fails every REST request: BREAKER goes Open; the
//     faults cleared, it goes Closed and the samples run again;
//   - deleted, they go: the Paper bot once the operator's finalizer lets it
//     go, the SymbolWatch (which carries none) at once.
func TestSamples(t *testing.T) {
	ctx := t.Context()
	c := connect(t)
	ns := c.namespace(ctx, t)
	s := loadSamples(t, ns)

	for _, obj := range s.objects() {
		if err := c.client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s %s: %v", kindOf(obj), obj.GetName(), err)
		}
		c.deleteOnCleanup(t, obj)
	}
	phases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"running", func(t *testing.T) {
			for _, bot := range s.bots {
				t.Run("TradingBot/"+bot.Name, func(t *testing.T) { checkRunningBot(ctx, t, c, bot) })
			}
			for _, w := range s.watches {
				t.Run("SymbolWatch/"+w.Name, func(t *testing.T) { checkRunningWatch(ctx, t, c, w) })
			}
		}},
		{"signals", func(t *testing.T) { checkSignals(ctx, t, c, s) }},
		{"trading", func(t *testing.T) {
			for _, bot := range s.bots {
				t.Run("TradingBot/"+bot.Name, func(t *testing.T) { checkTrading(ctx, t, c, bot) })
			}
		}},
		{"breaker", func(t *testing.T) { breakerDrill(ctx, t, c, s) }},
		{"deleted", func(t *testing.T) {
			for _, obj := range s.objects() {
				t.Run(kindOf(obj)+"/"+obj.GetName(), func(t *testing.T) { checkDeleted(ctx, t, c, obj) })
			}
		}},
	}
	for _, ph := range phases {
		began := time.Now()
		ok := t.Run(ph.name, ph.run)
		t.Logf("phase %s: %s", ph.name, time.Since(began).Round(time.Millisecond))
		if !ok {
			t.FailNow()
		}
	}
}

func checkDeleted(ctx context.Context, t *testing.T, c cluster, obj client.Object) {
	checkFinalizer(t, obj)
	if t.Failed() {
		t.FailNow()
	}
	if err := c.client.Delete(ctx, obj); err != nil {
		t.Fatalf("deleting: %v", err)
	}
	waitGone(ctx, t, c, obj)
}

func (s samples) objects() []client.Object {
	var out []client.Object
	for _, b := range s.bots {
		out = append(out, b)
	}
	for _, w := range s.watches {
		out = append(out, w)
	}
	return out
}

func checkRunningBot(ctx context.Context, t *testing.T, c cluster, bot *tradingv1alpha1.TradingBot) {
	waitUntil(ctx, t, c, bot, "phase is Running with breaker and weight filled in",
		func(b *tradingv1alpha1.TradingBot) bool {
			st := b.Status
			return st.Phase == tradingv1alpha1.BotPhaseRunning && st.Exchange != nil &&
				st.Exchange.Breaker.State != "" && regexp.MustCompile(weightForm).MatchString(st.Exchange.RateLimit.Weight)
		},
		func(b *tradingv1alpha1.TradingBot) string { return statusJSON(b.Status) })

	st := bot.Status
	checkCommonStatus(t, bot, st.ObservedGeneration, st.Conditions, st.Exchange, st.Tasks)
	rl := st.Exchange.RateLimit
	if want := fmt.Sprintf("%d/%d", rl.UsedWeight1m, rl.WeightLimit1m); rl.Weight != want || rl.WeightLimit1m <= 0 {
		t.Errorf("rateLimit: weight %q, usedWeight1m %d, weightLimit1m %d; want weight %q and a positive limit",
			rl.Weight, rl.UsedWeight1m, rl.WeightLimit1m, want)
	}
	if rl.Banned {
		t.Errorf("rateLimit.banned is true while Running")
	}

	row, columns := printed(ctx, t, c, "tradingbots", bot)
	checkColumns(t, columns, "Name", "Mode", "Phase", "Breaker", "Weight", "Signals", "PnL", "Age", "Replica")
	checkCells(t, row, map[string]string{
		"Name":    bot.Name,
		"Mode":    string(bot.Spec.Mode),
		"Phase":   string(tradingv1alpha1.BotPhaseRunning),
		"Breaker": string(tradingv1alpha1.BreakerClosed),
	})
	// The weight moves; its form and its limit do not.
	if w := row["Weight"]; !regexp.MustCompile(weightForm).MatchString(w) || !strings.HasSuffix(w, fmt.Sprintf("/%d", rl.WeightLimit1m)) {
		t.Errorf("WEIGHT column is %q, want N/%d", w, rl.WeightLimit1m)
	}
}

func checkRunningWatch(ctx context.Context, t *testing.T, c cluster, w *tradingv1alpha1.SymbolWatch) {
	waitUntil(ctx, t, c, w, "phase is Running with the breaker filled in",
		func(w *tradingv1alpha1.SymbolWatch) bool {
			st := w.Status
			return st.Phase == tradingv1alpha1.WatchPhaseRunning && st.Exchange != nil && st.Exchange.Breaker.State != ""
		},
		func(w *tradingv1alpha1.SymbolWatch) string { return statusJSON(w.Status) })

	st := w.Status
	checkCommonStatus(t, w, st.ObservedGeneration, st.Conditions, st.Exchange, st.Tasks)

	row, columns := printed(ctx, t, c, "symbolwatches", w)
	checkColumns(t, columns, "Name", "Symbols", "Phase", "Breaker", "Lag", "Signals", "Age", "Replica")
	symbols, err := json.Marshal(w.Spec.Symbols)
	if err != nil {
		t.Fatal(err)
	}
	checkCells(t, row, map[string]string{
		"Name":    w.Name,
		"Symbols": string(symbols),
		"Phase":   string(tradingv1alpha1.WatchPhaseRunning),
		"Breaker": string(tradingv1alpha1.BreakerClosed),
	})
}

// checkCommonStatus checks what Running means for either kind: the status
// describes the current spec, Ready and the exchange conditions agree, the
// breaker is closed, no task is failing, and the finalizer is on the bot
// (see checkFinalizer).
func checkCommonStatus(t *testing.T, obj client.Object, observed int64, conds []metav1.Condition,
	ex *tradingv1alpha1.ExchangeStatus, tasks []tradingv1alpha1.TaskStatus) {
	t.Helper()
	if observed != obj.GetGeneration() {
		t.Errorf("observedGeneration %d, generation %d", observed, obj.GetGeneration())
	}
	wantConds := []struct {
		typ    string
		status metav1.ConditionStatus
	}{
		{tradingv1alpha1.ConditionReady, metav1.ConditionTrue},
		{tradingv1alpha1.ConditionExchangeReachable, metav1.ConditionTrue},
		{tradingv1alpha1.ConditionCircuitOpen, metav1.ConditionFalse},
		{tradingv1alpha1.ConditionSymbolsValid, metav1.ConditionTrue},
	}
	for _, want := range wantConds {
		got := meta.FindStatusCondition(conds, want.typ)
		switch {
		case got == nil:
			t.Errorf("condition %s is missing; conditions: %s", want.typ, statusJSON(conds))
		case got.Status != want.status:
			t.Errorf("condition %s is %s (%s: %s), want %s", want.typ, got.Status, got.Reason, got.Message, want.status)
		case got.ObservedGeneration != obj.GetGeneration():
			t.Errorf("condition %s has observedGeneration %d, want %d", want.typ, got.ObservedGeneration, obj.GetGeneration())
		}
	}
	if ready := meta.FindStatusCondition(conds, tradingv1alpha1.ConditionReady); ready != nil && ready.Reason != tradingv1alpha1.ReasonRunning {
		t.Errorf("Ready reason %q, want %q", ready.Reason, tradingv1alpha1.ReasonRunning)
	}
	if ex.Breaker.State != tradingv1alpha1.BreakerClosed {
		t.Errorf("breaker state %q, want %q", ex.Breaker.State, tradingv1alpha1.BreakerClosed)
	}
	if ex.Endpoint == "" {
		t.Errorf("exchange.endpoint is empty")
	}
	if len(ex.UnknownSymbols) > 0 {
		t.Errorf("exchange.unknownSymbols is %v, want none", ex.UnknownSymbols)
	}
	if len(tasks) == 0 {
		t.Errorf("status lists no tasks")
	}
	for _, task := range tasks {
		if task.State == "Backoff" || task.State == "Failed" {
			t.Errorf("task %s is %s: %s", task.Name, task.State, task.LastError)
		}
	}
	checkFinalizer(t, obj)
}

// checkFinalizer checks that the operator's finalizer is on the samples that
// may trade, the Paper TradingBot on the simulator, and on nothing else: a
// SymbolWatch holds nothing on the exchange.
func checkFinalizer(t *testing.T, obj client.Object) {
	t.Helper()
	_, trades := obj.(*tradingv1alpha1.TradingBot)
	switch has := controllerutil.ContainsFinalizer(obj, controller.Finalizer); {
	case trades && !has:
		t.Errorf("finalizers are %v, want %q among them", obj.GetFinalizers(), controller.Finalizer)
	case !trades && has:
		t.Errorf("finalizers are %v, want no %q on a %T", obj.GetFinalizers(), controller.Finalizer, obj)
	}
}

// printed returns obj's row as kubectl get prints it, and the column names.
func printed(ctx context.Context, t *testing.T, c cluster, resource string, obj client.Object) (map[string]string, []string) {
	t.Helper()
	row, columns, err := c.printedRow(ctx, resource, obj.GetNamespace(), obj.GetName())
	if err != nil {
		t.Fatalf("reading the printed row: %v", err)
	}
	return row, columns
}

func checkColumns(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("columns are %v, want %v", got, want)
	}
}

func checkCells(t *testing.T, row map[string]string, want map[string]string) {
	t.Helper()
	for col, w := range want {
		if got := row[col]; got != w {
			t.Errorf("column %s is %q, want %q (row %v)", col, got, w, row)
		}
	}
}
