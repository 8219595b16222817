package controller

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// paperSpec is a defaulted Paper bot on two symbols.
func paperSpec() tradingv1alpha1.TradingBotSpec {
	s := tradingv1alpha1.TradingBotSpec{
		Exchange: tradingv1alpha1.ExchangeSpec{Endpoint: tradingv1alpha1.EndpointSimulator},
		Symbols:  []string{"BTCUSDT", "ETHUSDT"},
		Strategy: tradingv1alpha1.StrategySpec{Type: tradingv1alpha1.StrategySMACrossover,
			SMACrossover: &tradingv1alpha1.CrossoverParams{FastPeriod: 9, SlowPeriod: 21}},
	}
	s.SetDefaults()
	return s
}

func resolvedCredentials() credentialsResult {
	return credentialsResult{OK: true, Requested: true, Reason: tradingv1alpha1.ReasonSecretResolved,
		Message: `API key read from Secret "keys"`, Version: "7"}
}

func TestTradingBotStatus(t *testing.T) {
	// Recording is disabled because these inputs have no InfluxDB sink.
	const allConds = "CircuitOpen=False/BreakerClosed CredentialsResolved=True/SecretResolved ExchangeReachable=True/Reachable LiveTradingAllowed=True/PaperMode RateLimited=False/WithinBudget Ready=True/Running Recording=False/RecordingDisabled SymbolsValid=True/SymbolsListed"
	tests := []struct {
		name string
		in   func(in *botInputs)
		// want* describe the result; wantExchange says whether
		// status.exchange and status.tasks are filled.
		wantPhase    tradingv1alpha1.BotPhase
		wantConds    string
		wantReadyMsg string
		wantExchange bool
	}{
		{
			name:         "running",
			in:           func(in *botInputs) {},
			wantPhase:    tradingv1alpha1.BotPhaseRunning,
			wantConds:    allConds,
			wantReadyMsg: "running on 2 symbol(s) against " + testEndpoint,
			wantExchange: true,
		},
		{
			name: "no credentials asked for",
			in: func(in *botInputs) {
				in.Credentials = credentialsResult{OK: true, Reason: tradingv1alpha1.ReasonNoCredentials, Message: "no credentialsSecretRef"}
			},
			wantPhase:    tradingv1alpha1.BotPhaseRunning,
			wantConds:    strings.Replace(allConds, "CredentialsResolved=True/SecretResolved", "CredentialsResolved=True/NoCredentials", 1),
			wantExchange: true,
		},
		{
			name: "suspended",
			// The reconciler reads no Secret for a suspended bot.
			in:           func(in *botInputs) { in.Spec.Suspend = true; in.Credentials = credentialsResult{}; in.Group = nil },
			wantPhase:    tradingv1alpha1.BotPhaseSuspended,
			wantConds:    "LiveTradingAllowed=True/PaperMode Ready=False/Suspended",
			wantReadyMsg: "spec.suspend is true",
		},
		{
			name: "live refused",
			in: func(in *botInputs) {
				in.Spec.Mode = tradingv1alpha1.ModeLive
				in.LiveRefused = true
				in.Credentials = credentialsResult{Reason: tradingv1alpha1.ReasonLiveTradingDisabled, Message: "not read"}
				in.Group = nil
			},
			wantPhase:    tradingv1alpha1.BotPhaseFailed,
			wantConds:    "CredentialsResolved=False/LiveTradingDisabled LiveTradingAllowed=False/LiveTradingDisabled Ready=False/LiveTradingDisabled",
			wantReadyMsg: "--allow-live-trading",
		},
		{
			name:         "live allowed",
			in:           func(in *botInputs) { in.Spec.Mode = tradingv1alpha1.ModeLive },
			wantPhase:    tradingv1alpha1.BotPhaseRunning,
			wantConds:    strings.Replace(allConds, "LiveTradingAllowed=True/PaperMode", "LiveTradingAllowed=True/LiveTradingEnabled", 1),
			wantExchange: true,
		},
		{
			name: "endpoint error",
			in: func(in *botInputs) {
				in.EndpointError = "spec.exchange: endpoint Simulator: the operator has no --simulator-url"
				in.Group = nil
			},
			wantPhase:    tradingv1alpha1.BotPhaseFailed,
			wantConds:    "CredentialsResolved=True/SecretResolved LiveTradingAllowed=True/PaperMode Ready=False/InvalidSpec",
			wantReadyMsg: "no --simulator-url",
		},
		{
			name: "secret not found",
			in: func(in *botInputs) {
				in.Credentials = credentialsResult{Requested: true, Reason: tradingv1alpha1.ReasonSecretNotFound,
					Message: `Secret "keys" not found in namespace "ns"`}
				in.Group = nil
			},
			wantPhase:    tradingv1alpha1.BotPhasePending,
			wantConds:    "CredentialsResolved=False/SecretNotFound LiveTradingAllowed=True/PaperMode Ready=False/SecretNotFound",
			wantReadyMsg: `Secret "keys" not found in namespace "ns"`,
		},
		{
			name: "secret key missing",
			in: func(in *botInputs) {
				in.Credentials = credentialsResult{Requested: true, Reason: tradingv1alpha1.ReasonSecretKeyMissing,
					Message: `Secret "keys" has no value for key(s) secretKey`}
				in.Group = nil
			},
			wantPhase:    tradingv1alpha1.BotPhasePending,
			wantConds:    "CredentialsResolved=False/SecretKeyMissing LiveTradingAllowed=True/PaperMode Ready=False/SecretKeyMissing",
			wantReadyMsg: "no value for key(s) secretKey",
		},
		{
			name:         "group not started",
			in:           func(in *botInputs) { in.Group = nil },
			wantPhase:    tradingv1alpha1.BotPhasePending,
			wantConds:    "CredentialsResolved=True/SecretResolved LiveTradingAllowed=True/PaperMode Ready=False/Starting",
			wantReadyMsg: "starting the bot's tasks",
		},
		{
			name: "not probed yet",
			in: func(in *botInputs) {
				in.Group.Health = exchange.Health{Endpoint: testEndpoint, Breaker: exchange.BreakerStatus{State: exchange.BreakerClosed}}
			},
			wantPhase:    tradingv1alpha1.BotPhasePending,
			wantConds:    "CredentialsResolved=True/SecretResolved LiveTradingAllowed=True/PaperMode Ready=False/Starting Recording=False/RecordingDisabled",
			wantReadyMsg: "waiting for the first exchange health check",
			wantExchange: true,
		},
		{
			name: "unknown symbol",
			in: func(in *botInputs) {
				in.Group.Health.UnknownSymbols = []string{"NOPEUSDT"}
			},
			wantPhase: tradingv1alpha1.BotPhaseDegraded,
			wantConds: strings.NewReplacer("SymbolsValid=True/SymbolsListed", "SymbolsValid=False/UnknownSymbols",
				"Ready=True/Running", "Ready=False/Degraded").Replace(allConds),
			wantReadyMsg: "invalid symbols",
			wantExchange: true,
		},
		{
			name: "breaker open and a task backing off",
			in: func(in *botInputs) {
				in.Group.Health.Reachable = false
				in.Group.Health.Breaker = exchange.BreakerStatus{State: exchange.BreakerOpen, Failures: 2, OpenUntil: t0.Add(time.Second)}
				in.Group.Supervised.Tasks = append(in.Group.Supervised.Tasks, supervisor.TaskStatus{Name: "market", State: supervisor.TaskBackoff, LastError: "eof"})
			},
			wantPhase: tradingv1alpha1.BotPhaseDegraded,
			wantConds: strings.NewReplacer("CircuitOpen=False/BreakerClosed", "CircuitOpen=True/BreakerOpen",
				"ExchangeReachable=True/Reachable", "ExchangeReachable=False/Unreachable",
				"Ready=True/Running", "Ready=False/Degraded").Replace(allConds),
			wantReadyMsg: "exchange unreachable; circuit breaker open; task market backoff (eof)",
			wantExchange: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			previous := tradingv1alpha1.TradingBotStatus{
				ObservedGeneration: 2,
				Phase:              tradingv1alpha1.BotPhaseRunning,
				Signals:            &tradingv1alpha1.SignalsStatus{Total: 9},
				Trading:            &tradingv1alpha1.TradingStatus{OrdersPlaced: 4, PnL: "1.5"},
				MarketData:         &tradingv1alpha1.MarketDataStatus{Streams: 2},
				Recording:          &tradingv1alpha1.RecordingStatus{PointsWritten: 7},
				Exchange:           &tradingv1alpha1.ExchangeStatus{Endpoint: "http://old"},
			}
			in := botInputs{
				Generation:  3,
				Spec:        paperSpec(),
				Previous:    previous,
				Now:         t0,
				Credentials: resolvedCredentials(),
				Group:       &groupView{Supervised: runningTasks(), Health: healthyHealth()},
			}
			tt.in(&in)
			st := tradingBotStatus(in)

			if st.Phase != tt.wantPhase {
				t.Errorf("phase = %s, want %s", st.Phase, tt.wantPhase)
			}
			if st.ObservedGeneration != 3 {
				t.Errorf("observedGeneration = %d, want 3", st.ObservedGeneration)
			}
			if got := condSummary(st.Conditions); got != tt.wantConds {
				t.Errorf("conditions:\n got %s\nwant %s", got, tt.wantConds)
			}
			checkConditionsValid(t, st.Conditions)
			if msg := findCond(t, st.Conditions, tradingv1alpha1.ConditionReady).Message; !strings.Contains(msg, tt.wantReadyMsg) {
				t.Errorf("Ready message %q does not contain %q", msg, tt.wantReadyMsg)
			}
			// What later parts of the group report is carried over untouched;
			// market data and recording are recomputed while a group runs
			// (and absent here: no streams subscribed, no InfluxDB).
			if st.Signals != previous.Signals || st.Trading != previous.Trading {
				t.Errorf("signals or trading not carried over: %+v", st)
			}
			if tt.wantExchange && (st.MarketData != nil || st.Recording != nil) {
				t.Errorf("marketData %+v, recording %+v; want none without streams or a sink", st.MarketData, st.Recording)
			}
			if !tt.wantExchange && (st.MarketData != previous.MarketData || st.Recording != previous.Recording) {
				t.Errorf("marketData or recording not carried over without a group: %+v", st)
			}
			if tt.wantExchange {
				if st.Exchange == nil || st.Exchange.Endpoint != testEndpoint {
					t.Errorf("exchange = %+v, want the group's endpoint %s", st.Exchange, testEndpoint)
				}
				if len(st.Tasks) == 0 || st.Tasks[0].Name != "exchange-health" || st.Tasks[0].State != "Running" {
					t.Errorf("tasks = %+v, want exchange-health Running first", st.Tasks)
				}
			} else if len(st.Tasks) != 0 {
				t.Errorf("tasks = %+v, want none without a group", st.Tasks)
			}
			if in.Spec.Suspend && st.Exchange != nil {
				t.Errorf("a suspended bot keeps exchange status %+v", st.Exchange)
			}
		})
	}
}

// A status computed twice from its own output changes nothing: the reconciler
// patches only when something changed, so this is what keeps it quiet.
func TestTradingBotStatusIsStable(t *testing.T) {
	in := botInputs{Generation: 1, Spec: paperSpec(), Now: t0, Credentials: resolvedCredentials(),
		Group: &groupView{Supervised: runningTasks(), Health: healthyHealth()}}
	first := tradingBotStatus(in)
	in.Previous = first
	in.Now = t0.Add(10 * time.Second)
	second := tradingBotStatus(in)
	if a, b := condSummary(first.Conditions), condSummary(second.Conditions); a != b {
		t.Fatalf("conditions changed: %s -> %s", a, b)
	}
	for i := range second.Conditions {
		if !second.Conditions[i].LastTransitionTime.Equal(&first.Conditions[i].LastTransitionTime) {
			t.Errorf("%s lastTransitionTime moved from %v to %v", second.Conditions[i].Type,
				first.Conditions[i].LastTransitionTime, second.Conditions[i].LastTransitionTime)
		}
	}

	// Trip the breaker: CircuitOpen and Ready move, the others keep their time.
	in.Previous = second
	in.Now = t0.Add(20 * time.Second)
	in.Group = &groupView{Supervised: runningTasks(), Health: healthyHealth()}
	in.Group.Health.Breaker = exchange.BreakerStatus{State: exchange.BreakerOpen, OpenUntil: t0.Add(time.Minute)}
	third := tradingBotStatus(in)
	for _, c := range third.Conditions {
		moved := !c.LastTransitionTime.Time.Equal(t0)
		wantMoved := c.Type == tradingv1alpha1.ConditionCircuitOpen || c.Type == tradingv1alpha1.ConditionReady
		if moved != wantMoved {
			t.Errorf("%s lastTransitionTime = %v; moved %v, want moved %v", c.Type, c.LastTransitionTime.Time, moved, wantMoved)
		}
		if wantMoved && !c.LastTransitionTime.Time.Equal(t0.Add(20*time.Second)) {
			t.Errorf("%s lastTransitionTime = %v, want %v", c.Type, c.LastTransitionTime.Time, t0.Add(20*time.Second))
		}
	}
}

// Going from running to suspended drops the conditions that describe a
// running group, so none of them lingers with a stale value.
func TestTradingBotStatusDropsGroupConditions(t *testing.T) {
	in := botInputs{Generation: 1, Spec: paperSpec(), Now: t0, Credentials: resolvedCredentials(),
		Group: &groupView{Supervised: runningTasks(), Health: healthyHealth()}}
	running := tradingBotStatus(in)
	in.Previous, in.Generation, in.Group = running, 2, nil
	in.Spec.Suspend = true
	suspended := tradingBotStatus(in)
	for _, gone := range groupConditionTypes() {
		for _, c := range suspended.Conditions {
			if c.Type == gone {
				t.Errorf("suspended status keeps %s=%s", c.Type, c.Status)
			}
		}
	}
	ready := findCond(t, suspended.Conditions, tradingv1alpha1.ConditionReady)
	if ready.Status != metav1.ConditionFalse || ready.ObservedGeneration != 2 {
		t.Errorf("Ready = %s (generation %d), want False at generation 2", ready.Status, ready.ObservedGeneration)
	}
}
