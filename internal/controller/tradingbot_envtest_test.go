package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
)

func newBotObj() *tradingv1alpha1.TradingBot { return &tradingv1alpha1.TradingBot{} }

// newBot is a Paper bot on the simulator; fields left out take their
// schema defaults.
func newBot(nn types.NamespacedName, symbols ...string) *tradingv1alpha1.TradingBot {
	return &tradingv1alpha1.TradingBot{
		ObjectMeta: metav1.ObjectMeta{Namespace: nn.Namespace, Name: nn.Name},
		Spec: tradingv1alpha1.TradingBotSpec{
			Mode:     tradingv1alpha1.ModePaper,
			Exchange: tradingv1alpha1.ExchangeSpec{Endpoint: tradingv1alpha1.EndpointSimulator},
			Symbols:  symbols,
			Strategy: tradingv1alpha1.StrategySpec{Type: tradingv1alpha1.StrategySMACrossover,
				SMACrossover: &tradingv1alpha1.CrossoverParams{FastPeriod: 9, SlowPeriod: 21}},
		},
	}
}

func (s *envSuite) createBot(t *testing.T, bot *tradingv1alpha1.TradingBot) types.NamespacedName {
	t.Helper()
	if err := s.c.Create(context.Background(), bot); err != nil {
		t.Fatalf("creating TradingBot %s/%s: %v", bot.Namespace, bot.Name, err)
	}
	return types.NamespacedName{Namespace: bot.Namespace, Name: bot.Name}
}

func describeBot(b *tradingv1alpha1.TradingBot) string {
	return fmt.Sprintf("generation %d, observedGeneration %d, phase %q, finalizers %v, conditions [%s], exchange %+v",
		b.Generation, b.Status.ObservedGeneration, b.Status.Phase, b.Finalizers, condSummary(b.Status.Conditions), b.Status.Exchange)
}

func (s *envSuite) waitForBot(t *testing.T, nn types.NamespacedName, what string, ok func(b *tradingv1alpha1.TradingBot) bool) *tradingv1alpha1.TradingBot {
	t.Helper()
	return waitFor(t, s, nn, newBotObj, what, ok, describeBot)
}

// botPhase accepts a bot whose status describes its current generation and
// is in phase.
func botPhase(phase tradingv1alpha1.BotPhase) func(b *tradingv1alpha1.TradingBot) bool {
	return func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.ObservedGeneration == b.Generation && b.Status.Phase == phase
	}
}

// wantCondition fails the test unless conds hold condType with status and
// reason (and, if given, a message containing fragment).
func wantCondition(t *testing.T, conds []metav1.Condition, condType string, status metav1.ConditionStatus, reason, fragment string) {
	t.Helper()
	c := meta.FindStatusCondition(conds, condType)
	switch {
	case c == nil:
		t.Errorf("no %s condition in [%s]", condType, condSummary(conds))
	case c.Status != status || c.Reason != reason:
		t.Errorf("%s = %s/%s (%q), want %s/%s", condType, c.Status, c.Reason, c.Message, status, reason)
	case !strings.Contains(c.Message, fragment):
		t.Errorf("%s message %q does not contain %q", condType, c.Message, fragment)
	}
}

// weightColumn is the WEIGHT printer column once exchangeInfo was read and
// at least one request was made.
var weightColumn = regexp.MustCompile(`^[1-9][0-9]*/6000$`)

func botKey(nn types.NamespacedName) string { return groupKey(kindTradingBot, nn) }

// weightReported says whether ex shows weight used this minute. The weight
// is that of the exchange's current minute: right after a minute turns it
// is 0 until the next request, so a check of it waits for one.
func weightReported(ex *tradingv1alpha1.ExchangeStatus) bool {
	return ex != nil && ex.RateLimit.UsedWeight1m > 0
}

func testBotCreateAndUpdate(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "create")
	nn := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: "btc"}, "BTCUSDT"))

	b := s.waitForBot(t, nn, "Running with the finalizer, its weight reported", func(b *tradingv1alpha1.TradingBot) bool {
		return controllerutil.ContainsFinalizer(b, Finalizer) && botPhase(tradingv1alpha1.BotPhaseRunning)(b) &&
			weightReported(b.Status.Exchange)
	})
	st := b.Status
	if st.ObservedGeneration != 1 {
		t.Errorf("observedGeneration = %d, want 1", st.ObservedGeneration)
	}
	wantCondition(t, st.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionTrue, tradingv1alpha1.ReasonRunning, "running on 1 symbol(s) against "+s.sim.url)
	wantCondition(t, st.Conditions, tradingv1alpha1.ConditionExchangeReachable, metav1.ConditionTrue, tradingv1alpha1.ReasonReachable, "")
	wantCondition(t, st.Conditions, tradingv1alpha1.ConditionSymbolsValid, metav1.ConditionTrue, tradingv1alpha1.ReasonSymbolsListed, "")
	wantCondition(t, st.Conditions, tradingv1alpha1.ConditionCircuitOpen, metav1.ConditionFalse, tradingv1alpha1.ReasonBreakerClosed, "")
	wantCondition(t, st.Conditions, tradingv1alpha1.ConditionRateLimited, metav1.ConditionFalse, tradingv1alpha1.ReasonWithinBudget, "")
	wantCondition(t, st.Conditions, tradingv1alpha1.ConditionCredentialsResolved, metav1.ConditionTrue, tradingv1alpha1.ReasonNoCredentials, "")
	wantCondition(t, st.Conditions, tradingv1alpha1.ConditionLiveTradingAllowed, metav1.ConditionTrue, tradingv1alpha1.ReasonPaperMode, "")
	for _, c := range st.Conditions {
		if c.ObservedGeneration != 1 {
			t.Errorf("condition %s observedGeneration = %d, want 1", c.Type, c.ObservedGeneration)
		}
	}
	checkExchangeStatus(t, st.Exchange, s.sim.url)
	checkHealthTask(t, st.Tasks)
	s.waitForEvent(t, kindTradingBot, nn, corev1.EventTypeNormal, EventPhaseChanged, "-> Running")

	v1, ok := s.supervisor.Version(botKey(nn))
	if !ok {
		t.Fatalf("no group runs for the bot")
	}

	// Nothing important happens now, yet the figures move: the periodic
	// refresh keeps them current.
	weight := st.Exchange.RateLimit.UsedWeight1m
	s.waitForBot(t, nn, "used weight refreshed", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.Exchange != nil && b.Status.Exchange.RateLimit.UsedWeight1m != weight
	})

	// A new generation restarts the group with the new spec.
	update(t, s, nn, newBotObj, func(b *tradingv1alpha1.TradingBot) { b.Spec.Symbols = append(b.Spec.Symbols, "ETHUSDT") })
	b = s.waitForBot(t, nn, "generation 2 Running", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Generation == 2 && botPhase(tradingv1alpha1.BotPhaseRunning)(b)
	})
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionTrue, tradingv1alpha1.ReasonRunning, "running on 2 symbol(s)")
	v2, ok := s.supervisor.Version(botKey(nn))
	if !ok || v2 == v1 {
		t.Errorf("group version after the spec changed = %q (running %v), want a new one (was %q)", v2, ok, v1)
	}
}

// checkExchangeStatus checks status.exchange of a healthy resource.
func checkExchangeStatus(t *testing.T, ex *tradingv1alpha1.ExchangeStatus, endpoint string) {
	t.Helper()
	if ex == nil {
		t.Fatal("status.exchange is empty")
	}
	if ex.Endpoint != endpoint {
		t.Errorf("exchange.endpoint = %q, want %q", ex.Endpoint, endpoint)
	}
	if ex.Breaker.State != tradingv1alpha1.BreakerClosed || ex.Breaker.Failures != 0 || ex.Breaker.OpenUntil != nil {
		t.Errorf("exchange.breaker = %+v, want Closed without failures", ex.Breaker)
	}
	rl := ex.RateLimit
	if !weightColumn.MatchString(rl.Weight) || rl.UsedWeight1m <= 0 || rl.WeightLimit1m != 6000 || rl.Weight != fmt.Sprintf("%d/%d", rl.UsedWeight1m, rl.WeightLimit1m) {
		t.Errorf("exchange.rateLimit = %+v, want weight \"N/6000\" with N > 0 matching usedWeight1m", rl)
	}
	if rl.Banned || rl.RetryAfterUntil != nil {
		t.Errorf("exchange.rateLimit = %+v, want neither banned nor throttled", rl)
	}
	// The simulator runs on this machine's clock: the offset is what the
	// measurement's noise leaves.
	if ex.ClockOffsetMs < -1000 || ex.ClockOffsetMs > 1000 {
		t.Errorf("exchange.clockOffsetMs = %d, want within ±1000", ex.ClockOffsetMs)
	}
	if ex.LastContactTime == nil {
		t.Error("exchange.lastContactTime is not set")
	}
}

// checkHealthTask checks that status.tasks shows the exchange-health task running.
func checkHealthTask(t *testing.T, tasks []tradingv1alpha1.TaskStatus) {
	t.Helper()
	for _, task := range tasks {
		if task.Name == botgroup.TaskExchangeHealth {
			if task.State != "Running" || task.LastError != "" {
				t.Errorf("task %s = %+v, want Running without error", task.Name, task)
			}
			return
		}
	}
	t.Errorf("status.tasks = %+v, want %s among them", tasks, botgroup.TaskExchangeHealth)
}

func testBotUnknownSymbol(t *testing.T, s *envSuite) {
	// The simulator refuses the symbol like Binance does.
	res, err := s.sim.client.Get(s.sim.url + "/api/v3/exchangeInfo?symbol=NOPEUSDT")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "-1121") {
		t.Fatalf("exchangeInfo?symbol=NOPEUSDT: HTTP %d %s; want 400 with code -1121", res.StatusCode, body)
	}

	ns := s.namespace(t, "unknown")
	nn := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: "nope"}, "BTCUSDT", "NOPEUSDT"))
	b := s.waitForBot(t, nn, "Degraded", botPhase(tradingv1alpha1.BotPhaseDegraded))
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionSymbolsValid, metav1.ConditionFalse, tradingv1alpha1.ReasonUnknownSymbols, "NOPEUSDT")
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionFalse, tradingv1alpha1.ReasonDegraded, "invalid symbols")
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionExchangeReachable, metav1.ConditionTrue, tradingv1alpha1.ReasonReachable, "")
	if b.Status.Exchange == nil || strings.Join(b.Status.Exchange.UnknownSymbols, ",") != "NOPEUSDT" {
		t.Errorf("status.exchange = %+v, want unknownSymbols [NOPEUSDT]", b.Status.Exchange)
	}
	s.waitForEvent(t, kindTradingBot, nn, corev1.EventTypeWarning, EventPhaseChanged, "-> Degraded")
}

func testBotSuspendAndResume(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "suspend")
	nn := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: "pausable"}, "ETHUSDT"))
	s.waitForBot(t, nn, "Running", botPhase(tradingv1alpha1.BotPhaseRunning))

	update(t, s, nn, newBotObj, func(b *tradingv1alpha1.TradingBot) { b.Spec.Suspend = true })
	b := s.waitForBot(t, nn, "Suspended", botPhase(tradingv1alpha1.BotPhaseSuspended))
	// The group was stopped before the status said so.
	if v, ok := s.supervisor.Version(botKey(nn)); ok {
		t.Errorf("a suspended bot still has a group (version %s)", v)
	}
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionFalse, tradingv1alpha1.ReasonSuspended, "spec.suspend is true")
	for _, gone := range append(groupConditionTypes(), tradingv1alpha1.ConditionCredentialsResolved) {
		if c := meta.FindStatusCondition(b.Status.Conditions, gone); c != nil {
			t.Errorf("a suspended bot keeps condition %s=%s", c.Type, c.Status)
		}
	}
	if b.Status.Exchange != nil {
		t.Errorf("a suspended bot keeps status.exchange %+v", b.Status.Exchange)
	}
	s.waitForEvent(t, kindTradingBot, nn, corev1.EventTypeNormal, EventPhaseChanged, "Running -> Suspended")

	update(t, s, nn, newBotObj, func(b *tradingv1alpha1.TradingBot) { b.Spec.Suspend = false })
	b = s.waitForBot(t, nn, "Running again, its weight reported", func(b *tradingv1alpha1.TradingBot) bool {
		return botPhase(tradingv1alpha1.BotPhaseRunning)(b) && weightReported(b.Status.Exchange)
	})
	if _, ok := s.supervisor.Version(botKey(nn)); !ok {
		t.Error("a resumed bot has no group")
	}
	checkExchangeStatus(t, b.Status.Exchange, s.sim.url)
	s.waitForEvent(t, kindTradingBot, nn, corev1.EventTypeNormal, EventPhaseChanged, "Suspended -> ")
}

func testBotDelete(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "delete")
	nn := s.createBot(t, newBot(types.NamespacedName{Namespace: ns, Name: "doomed"}, "BNBUSDT"))
	s.waitForBot(t, nn, "Running with the finalizer", func(b *tradingv1alpha1.TradingBot) bool {
		return controllerutil.ContainsFinalizer(b, Finalizer) && botPhase(tradingv1alpha1.BotPhaseRunning)(b)
	})
	if _, ok := s.supervisor.Version(botKey(nn)); !ok {
		t.Fatal("no group runs for the bot")
	}

	deleteAndWait(t, s, nn, newBotObj)
	// The finalizer is removed only after the group stopped: once the
	// object is gone, so is its group.
	if v, ok := s.supervisor.Version(botKey(nn)); ok {
		t.Errorf("the deleted bot's group still runs (version %s)", v)
	}
}

// testBotSignalsOnlyNoFinalizer runs a bot that cannot place orders (a
// Custom endpoint, no credentials): it holds nothing on the exchange, so it
// runs without the finalizer, and deleting it still stops its group.
func testBotSignalsOnlyNoFinalizer(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "signalsonly")
	bot := newBot(types.NamespacedName{Namespace: ns, Name: "watcher"}, "BTCUSDT")
	bot.Spec.Exchange = tradingv1alpha1.ExchangeSpec{Endpoint: tradingv1alpha1.EndpointCustom, URL: s.sim.url}
	nn := s.createBot(t, bot)
	b := s.waitForBot(t, nn, "Running", botPhase(tradingv1alpha1.BotPhaseRunning))
	if len(b.Finalizers) != 0 {
		t.Errorf("a bot that cannot trade has finalizers %v, want none", b.Finalizers)
	}
	if _, ok := s.supervisor.Version(botKey(nn)); !ok {
		t.Fatal("no group runs for the bot")
	}
	// deleteAndWait also waits for the group to go.
	deleteAndWait(t, s, nn, newBotObj)
}

func testBotCredentials(t *testing.T, s *envSuite) {
	ctx := context.Background()
	ns := s.namespace(t, "creds")
	bot := newBot(types.NamespacedName{Namespace: ns, Name: "keyed"}, "BTCUSDT")
	bot.Spec.Exchange.CredentialsSecretRef = &tradingv1alpha1.CredentialsSecretRef{Name: "exchange-keys"}
	nn := s.createBot(t, bot)
	key := botKey(nn)

	// No Secret: the bot waits, with a reason, and nothing runs.
	b := s.waitForBot(t, nn, "Pending on a missing Secret", func(b *tradingv1alpha1.TradingBot) bool {
		return controllerutil.ContainsFinalizer(b, Finalizer) && botPhase(tradingv1alpha1.BotPhasePending)(b) &&
			meta.IsStatusConditionFalse(b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved)
	})
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved, metav1.ConditionFalse, tradingv1alpha1.ReasonSecretNotFound,
		fmt.Sprintf("Secret %q not found in namespace %q", "exchange-keys", ns))
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionFalse, tradingv1alpha1.ReasonSecretNotFound, "")
	if _, ok := s.supervisor.Version(key); ok {
		t.Error("a group runs without its credentials")
	}

	// ...and does not spin: the create and the finalizer's update are the
	// only reconciles a waiting bot needs; a hot loop or a timer would add
	// several within the window.
	eventually(t, "the create and finalizer reconciles", func() (bool, string) {
		n := s.reads.get(key)
		return n >= 2, fmt.Sprintf("%d reconciles", n)
	})
	before, rvBefore := s.reads.get(key), b.ResourceVersion
	time.Sleep(3 * time.Second) // the observation window, not a wait for a result
	after := s.reads.get(key)
	rvAfter := get(t, s, nn, newBotObj).ResourceVersion
	if after-before > 1 {
		t.Errorf("%d reconciles in 3s while waiting for a Secret (resourceVersion %s -> %s): a hot loop", after-before, rvBefore, rvAfter)
	}
	// The change feed wakes the reconciler at once.
	s.changes.Notify(key)
	eventually(t, "a reconcile from the change feed", func() (bool, string) {
		n := s.reads.get(key)
		return n > after, fmt.Sprintf("%d reconciles", n)
	})

	// The Secret appears with one key missing: the Secret watch wakes the
	// bot, which names the missing key.
	secretValues := []string{"apikey-9f2c1e77-first"}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "exchange-keys"},
		Data:       map[string][]byte{"apiKey": []byte(secretValues[0])},
	}
	if err := s.c.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	b = s.waitForBot(t, nn, "the missing key named", func(b *tradingv1alpha1.TradingBot) bool {
		c := meta.FindStatusCondition(b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved)
		return c != nil && c.Reason == tradingv1alpha1.ReasonSecretKeyMissing
	})
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved, metav1.ConditionFalse, tradingv1alpha1.ReasonSecretKeyMissing,
		`Secret "exchange-keys" has no value for key(s) secretKey`)
	if b.Status.Phase != tradingv1alpha1.BotPhasePending {
		t.Errorf("phase = %s with a key missing, want Pending", b.Status.Phase)
	}

	// Complete the Secret: the bot starts.
	secretValues = append(secretValues, "secret-4b8d0a31-first")
	update(t, s, types.NamespacedName{Namespace: ns, Name: "exchange-keys"}, func() *corev1.Secret { return &corev1.Secret{} },
		func(sec *corev1.Secret) { sec.Data["secretKey"] = []byte(secretValues[1]) })
	b = s.waitForBot(t, nn, "Running with its credentials", botPhase(tradingv1alpha1.BotPhaseRunning))
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved, metav1.ConditionTrue, tradingv1alpha1.ReasonSecretResolved, `"exchange-keys"`)
	v1, ok := s.supervisor.Version(key)
	if !ok {
		t.Fatal("no group runs with the credentials resolved")
	}

	// Rotate the secret: the group restarts with the new keys.
	secretValues = append(secretValues, "secret-c0ffee12-rotated")
	update(t, s, types.NamespacedName{Namespace: ns, Name: "exchange-keys"}, func() *corev1.Secret { return &corev1.Secret{} },
		func(sec *corev1.Secret) { sec.Data["secretKey"] = []byte(secretValues[2]) })
	eventually(t, "the group restarted after the rotation", func() (bool, string) {
		v, ok := s.supervisor.Version(key)
		return ok && v != v1, fmt.Sprintf("version %q (running %v), was %q", v, ok, v1)
	})
	b = s.waitForBot(t, nn, "Running after the rotation", botPhase(tradingv1alpha1.BotPhaseRunning))
	statusJSON, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}

	// The Secret goes away: the bot stops and waits again.
	if err := s.c.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "exchange-keys"}}); err != nil {
		t.Fatal(err)
	}
	b = s.waitForBot(t, nn, "Pending after the Secret was deleted", func(b *tradingv1alpha1.TradingBot) bool {
		c := meta.FindStatusCondition(b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved)
		return b.Status.Phase == tradingv1alpha1.BotPhasePending && c != nil && c.Reason == tradingv1alpha1.ReasonSecretNotFound
	})
	if v, ok := s.supervisor.Version(key); ok {
		t.Errorf("the group still runs (version %s) after its Secret was deleted", v)
	}

	// The values never reach status, events or logs.
	pendingJSON, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	statusJSON = append(statusJSON, pendingJSON...)
	var notes []string
	for _, e := range s.events(t, kindTradingBot, nn) {
		notes = append(notes, e.Note)
	}
	if len(notes) == 0 {
		t.Error("no events for the bot")
	}
	logs := s.logs.String()
	if !strings.Contains(logs, nn.Namespace) {
		t.Error("the log never mentions the bot, so it proves nothing about credentials")
	}
	for _, v := range secretValues {
		if strings.Contains(string(statusJSON), v) {
			t.Errorf("the bot's status or object contains a credential value")
		}
		if strings.Contains(strings.Join(notes, "\n"), v) {
			t.Errorf("an event note contains a credential value")
		}
		if strings.Contains(logs, v) {
			t.Errorf("the operator's log contains a credential value")
		}
	}
}

func testBotLiveRefused(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "live")
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "live-keys"},
		Data:       map[string][]byte{"apiKey": []byte("live-apikey-e5a1"), "secretKey": []byte("live-secret-77b0")},
	}
	if err := s.c.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	bot := newBot(types.NamespacedName{Namespace: ns, Name: "real-money"}, "BTCUSDT")
	bot.Spec.Mode = tradingv1alpha1.ModeLive
	bot.Spec.Exchange.CredentialsSecretRef = &tradingv1alpha1.CredentialsSecretRef{Name: "live-keys"}
	nn := s.createBot(t, bot)

	b := s.waitForBot(t, nn, "Failed", botPhase(tradingv1alpha1.BotPhaseFailed))
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionLiveTradingAllowed, metav1.ConditionFalse, tradingv1alpha1.ReasonLiveTradingDisabled, "--allow-live-trading")
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionFalse, tradingv1alpha1.ReasonLiveTradingDisabled, "--allow-live-trading")
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved, metav1.ConditionFalse, tradingv1alpha1.ReasonLiveTradingDisabled, "not read")
	if _, ok := s.supervisor.Version(botKey(nn)); ok {
		t.Error("a refused Live bot has a group")
	}
	if b.Status.Exchange != nil || len(b.Status.Tasks) != 0 {
		t.Errorf("a refused Live bot reports exchange %+v and tasks %+v", b.Status.Exchange, b.Status.Tasks)
	}
	s.waitForEvent(t, kindTradingBot, nn, corev1.EventTypeWarning, EventPhaseChanged, "-> Failed")
}

func testBotCircuitBreaker(t *testing.T, s *envSuite) {
	// A simulator of its own: its faults must not reach the other tests.
	sim := startSimulator(t)
	ns := s.namespace(t, "breaker")
	bot := newBot(types.NamespacedName{Namespace: ns, Name: "fragile"}, "SOLUSDT")
	bot.Spec.Exchange = tradingv1alpha1.ExchangeSpec{Endpoint: tradingv1alpha1.EndpointCustom, URL: sim.url}
	bot.Spec.CircuitBreaker = tradingv1alpha1.CircuitBreakerSpec{FailureThreshold: 2, OpenDuration: &metav1.Duration{Duration: 2 * time.Second}}
	nn := s.createBot(t, bot)
	// Stop the group before the simulator goes away.
	t.Cleanup(func() { deleteAndWait(t, s, nn, newBotObj) })

	b := s.waitForBot(t, nn, "Running, its weight reported", func(b *tradingv1alpha1.TradingBot) bool {
		return botPhase(tradingv1alpha1.BotPhaseRunning)(b) && weightReported(b.Status.Exchange)
	})
	checkExchangeStatus(t, b.Status.Exchange, sim.url)

	notifiedBefore := s.notified.get(botKey(nn)) + s.notified.get(endpointNotifyKey(sim.url))
	sim.setFaults(t, `{"restErrorRate":1,"restErrorStatus":503}`)
	b = s.waitForBot(t, nn, "Degraded with the breaker open", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.Phase == tradingv1alpha1.BotPhaseDegraded && b.Status.Exchange != nil &&
			b.Status.Exchange.Breaker.State == tradingv1alpha1.BreakerOpen
	})
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionCircuitOpen, metav1.ConditionTrue, tradingv1alpha1.ReasonBreakerOpen, "consecutive failures")
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionFalse, tradingv1alpha1.ReasonDegraded, "circuit breaker open")
	if br := b.Status.Exchange.Breaker; br.Failures < 2 || br.OpenUntil == nil || br.LastTransitionTime == nil {
		t.Errorf("exchange.breaker = %+v, want at least 2 failures, openUntil and lastTransitionTime", br)
	}
	s.waitForEvent(t, kindTradingBot, nn, corev1.EventTypeWarning, EventCircuitOpened, "circuit breaker opened")
	// The trip went through the change feed (from the exchange registry or
	// the supervisor), not only the periodic refresh.
	if n := s.notified.get(botKey(nn)) + s.notified.get(endpointNotifyKey(sim.url)); n <= notifiedBefore {
		t.Errorf("no change notification for the bot or its endpoint when the breaker opened (%d before, %d after)", notifiedBefore, n)
	}

	sim.setFaults(t, `{}`)
	b = s.waitForBot(t, nn, "Running with the breaker closed, its weight reported", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.Phase == tradingv1alpha1.BotPhaseRunning && b.Status.Exchange != nil &&
			b.Status.Exchange.Breaker.State == tradingv1alpha1.BreakerClosed && weightReported(b.Status.Exchange)
	})
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionCircuitOpen, metav1.ConditionFalse, tradingv1alpha1.ReasonBreakerClosed, "")
	checkExchangeStatus(t, b.Status.Exchange, sim.url)
	s.waitForEvent(t, kindTradingBot, nn, corev1.EventTypeNormal, EventCircuitClosed, "circuit breaker closed")
}
