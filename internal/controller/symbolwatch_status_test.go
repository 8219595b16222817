package controller

import (
	"strings"
	"testing"
	"time"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

func watchSpec() tradingv1alpha1.SymbolWatchSpec {
	ticker := true
	s := tradingv1alpha1.SymbolWatchSpec{
		Exchange: tradingv1alpha1.ExchangeSpec{Endpoint: tradingv1alpha1.EndpointSimulator},
		Symbols:  []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"},
		Streams:  tradingv1alpha1.StreamsSpec{Ticker: &ticker},
	}
	s.SetDefaults()
	return s
}

func TestSymbolWatchStatus(t *testing.T) {
	// Recording is disabled because these inputs have no InfluxDB sink.
	const healthy = "CircuitOpen=False/BreakerClosed ExchangeReachable=True/Reachable RateLimited=False/WithinBudget Ready=True/Running Recording=False/RecordingDisabled SymbolsValid=True/SymbolsListed"
	tests := []struct {
		name         string
		in           func(in *watchInputs)
		wantPhase    tradingv1alpha1.WatchPhase
		wantConds    string
		wantReadyMsg string
		wantExchange bool
	}{
		{
			name:         "running",
			in:           func(in *watchInputs) {},
			wantPhase:    tradingv1alpha1.WatchPhaseRunning,
			wantConds:    healthy,
			wantReadyMsg: "watching 3 symbol(s) on " + testEndpoint,
			wantExchange: true,
		},
		{
			name:         "suspended",
			in:           func(in *watchInputs) { in.Spec.Suspend = true; in.Group = nil },
			wantPhase:    tradingv1alpha1.WatchPhaseSuspended,
			wantConds:    "Ready=False/Suspended",
			wantReadyMsg: "spec.suspend is true; the watch is stopped",
		},
		{
			name:         "endpoint error",
			in:           func(in *watchInputs) { in.EndpointError = "spec.exchange: bad"; in.Group = nil },
			wantPhase:    tradingv1alpha1.WatchPhaseFailed,
			wantConds:    "Ready=False/InvalidSpec",
			wantReadyMsg: "spec.exchange: bad",
		},
		{
			name:         "group not started",
			in:           func(in *watchInputs) { in.Group = nil },
			wantPhase:    tradingv1alpha1.WatchPhasePending,
			wantConds:    "Ready=False/Starting",
			wantReadyMsg: "starting the watch's tasks",
		},
		{
			name: "not probed yet",
			in: func(in *watchInputs) {
				in.Group.Health = exchange.Health{Endpoint: testEndpoint}
			},
			wantPhase:    tradingv1alpha1.WatchPhasePending,
			wantConds:    "Ready=False/Starting Recording=False/RecordingDisabled",
			wantReadyMsg: "waiting for the first exchange health check",
			wantExchange: true,
		},
		{
			name: "rate limited",
			in: func(in *watchInputs) {
				in.Group.Health.RetryAfterUntil = t0.Add(time.Minute)
			},
			wantPhase: tradingv1alpha1.WatchPhaseDegraded,
			wantConds: strings.NewReplacer("RateLimited=False/WithinBudget", "RateLimited=True/RetryAfter",
				"Ready=True/Running", "Ready=False/Degraded").Replace(healthy),
			wantReadyMsg: "rate limited",
			wantExchange: true,
		},
		{
			name: "task failed",
			in: func(in *watchInputs) {
				in.Group.Supervised.Tasks[0].State = supervisor.TaskFailed
				in.Group.Supervised.Tasks[0].LastError = "bad"
			},
			wantPhase:    tradingv1alpha1.WatchPhaseDegraded,
			wantConds:    strings.Replace(healthy, "Ready=True/Running", "Ready=False/Degraded", 1),
			wantReadyMsg: "task exchange-health failed (bad)",
			wantExchange: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			previous := tradingv1alpha1.SymbolWatchStatus{
				ObservedGeneration: 1,
				Symbols:            []tradingv1alpha1.SymbolMarketStatus{{Symbol: "BTCUSDT", LastPrice: "65000.01"}},
				Lag:                "120ms",
				MarketData:         &tradingv1alpha1.MarketDataStatus{Streams: 3},
			}
			in := watchInputs{Generation: 5, Spec: watchSpec(), Previous: previous, Now: t0,
				Group: &groupView{Supervised: runningTasks(), Health: healthyHealth()}}
			tt.in(&in)
			st := symbolWatchStatus(in)
			if st.Phase != tt.wantPhase {
				t.Errorf("phase = %s, want %s", st.Phase, tt.wantPhase)
			}
			if st.ObservedGeneration != 5 {
				t.Errorf("observedGeneration = %d, want 5", st.ObservedGeneration)
			}
			if got := condSummary(st.Conditions); got != tt.wantConds {
				t.Errorf("conditions:\n got %s\nwant %s", got, tt.wantConds)
			}
			checkConditionsValid(t, st.Conditions)
			if msg := findCond(t, st.Conditions, tradingv1alpha1.ConditionReady).Message; !strings.Contains(msg, tt.wantReadyMsg) {
				t.Errorf("Ready message %q does not contain %q", msg, tt.wantReadyMsg)
			}
			// Market figures are carried over while no group runs, and
			// recomputed from the group's market snapshot (here: nothing
			// subscribed yet) while one does.
			if tt.wantExchange {
				if st.Lag != "" || st.MarketData != nil || len(st.Symbols) != 3 || st.Symbols[0].Symbol != "BTCUSDT" || st.Symbols[0].LastPrice != "" {
					t.Errorf("market figures without any market data: lag %q, marketData %+v, symbols %+v", st.Lag, st.MarketData, st.Symbols)
				}
			} else if st.Lag != "120ms" || len(st.Symbols) != 1 || st.Symbols[0].LastPrice != "65000.01" || st.MarketData != previous.MarketData {
				t.Errorf("market figures not carried over: %+v", st)
			}
			if got := st.Exchange != nil && len(st.Tasks) > 0; got != tt.wantExchange {
				t.Errorf("exchange %+v and tasks %+v filled = %v, want %v", st.Exchange, st.Tasks, got, tt.wantExchange)
			}
		})
	}
}
