package controller

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

func TestMarketConditions(t *testing.T) {
	started := t0.Add(-10 * time.Second)
	tests := []struct {
		name        string
		market      botgroup.MarketSnapshot
		started     time.Time
		wantCond    string // "" = no MarketDataFresh condition
		wantProblem string
	}{
		{"no streams", botgroup.MarketSnapshot{}, started, "", ""},
		{"subscribe failed", botgroup.MarketSnapshot{LastError: "bad stream"}, started, "False/StreamsStale", "market data unavailable"},
		{"connecting", botgroup.MarketSnapshot{Subscribed: true, Streams: 4}, started, "False/StreamsConnecting", ""},
		{"connecting too long", botgroup.MarketSnapshot{Subscribed: true, Streams: 4}, t0.Add(-time.Minute), "False/StreamsConnecting", "no market data yet"},
		{"fresh", botgroup.MarketSnapshot{Subscribed: true, Streams: 4, LastEvent: t0.Add(-2 * time.Second), Lag: 40 * time.Millisecond}, started, "True/StreamsFresh", ""},
		{"stale", botgroup.MarketSnapshot{Subscribed: true, Streams: 4, LastEvent: t0.Add(-2 * time.Minute)}, started, "False/StreamsStale", "market data stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConditionSet(nil, 1, t0)
			v := &groupView{Market: tt.market, Supervised: supervisor.GroupSnapshot{Started: tt.started}}
			problems := marketConditions(c, v, t0)
			got := ""
			for _, cond := range c.conds {
				if cond.Type == tradingv1alpha1.ConditionMarketDataFresh {
					got = string(cond.Status) + "/" + cond.Reason
				}
			}
			if got != tt.wantCond {
				t.Errorf("MarketDataFresh = %q, want %q", got, tt.wantCond)
			}
			if joined := strings.Join(problems, "; "); joined != tt.wantProblem {
				t.Errorf("problems = %q, want %q", joined, tt.wantProblem)
			}
		})
	}
}

func TestMarketDataStatusAndSymbols(t *testing.T) {
	if marketDataStatus(botgroup.MarketSnapshot{}, t0) != nil {
		t.Error("market data status without a subscription")
	}
	m := botgroup.MarketSnapshot{
		Subscribed: true, Streams: 6, Reconnects: 2, LastEvent: t0, Lag: 1500 * time.Microsecond,
		Symbols: map[string]botgroup.SymbolMarket{
			"ETHUSDT": {LastPrice: decimal.RequireFromString("3500.25"), PriceChangePercent24h: decimal.RequireFromString("-1.250"), UpdatedAt: t0.Add(400 * time.Millisecond)},
		},
	}
	got := marketDataStatus(m, t0.Add(time.Second))
	want := &tradingv1alpha1.MarketDataStatus{Streams: 6, Reconnects: 2, LastEventTime: optionalTime(t0), LagMs: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("marketDataStatus = %+v, want %+v", got, want)
	}
	syms := symbolStatuses([]string{"BTCUSDT", "ETHUSDT"}, m)
	upd := metav1.NewTime(t0)
	wantSyms := []tradingv1alpha1.SymbolMarketStatus{
		{Symbol: "BTCUSDT"},
		{Symbol: "ETHUSDT", LastPrice: "3500.25", PriceChangePercent24h: "-1.25", LastUpdateTime: &upd},
	}
	if !reflect.DeepEqual(syms, wantSyms) {
		t.Errorf("symbolStatuses = %+v, want %+v", syms, wantSyms)
	}
	if got := lagText(m, t0.Add(time.Second)); got != "2ms" {
		t.Errorf("lagText = %q, want 2ms", got)
	}
	if got := lagText(botgroup.MarketSnapshot{Subscribed: true}, t0); got != "" {
		t.Errorf("lagText before any event = %q, want empty", got)
	}
}

// A stalled stream must not keep showing its last good delay: once the
// newest event is older than a normal gap between events, its age is shown.
func TestEffectiveLagShowsTheAgeOfAStalledStream(t *testing.T) {
	m := botgroup.MarketSnapshot{Subscribed: true, Streams: 2, LastEvent: t0, Lag: 60 * time.Millisecond}
	tests := []struct {
		after time.Duration
		want  string
	}{
		{0, "60ms"},
		{time.Second, "60ms"}, // between two ticker events
		{2 * time.Second, "60ms"},
		{2500 * time.Millisecond, "2s"},
		{41 * time.Second, "41s"},
	}
	for _, tt := range tests {
		if got := lagText(m, t0.Add(tt.after)); got != tt.want {
			t.Errorf("%v after the last event: lag %q, want %q", tt.after, got, tt.want)
		}
	}
	if got := marketDataStatus(m, t0.Add(41*time.Second)).LagMs; got != 41000 {
		t.Errorf("lagMs 41 s into a stall = %d, want 41000", got)
	}
	slow := botgroup.MarketSnapshot{Subscribed: true, LastEvent: t0, Lag: 5 * time.Second}
	if got := lagText(slow, t0.Add(3*time.Second)); got != "5s" {
		t.Errorf("a slow but flowing stream: lag %q, want its own 5s", got)
	}
}

func TestRecordingState(t *testing.T) {
	writing := &groupView{Recorded: true, Recording: recording.Stats{Written: 10, Pending: 2, LastFlush: t0}}
	tests := []struct {
		name          string
		v             *groupView
		enabled, sink bool
		wantCond      string
		wantStatusNil bool
		wantWritten   int64
	}{
		{"disabled in the spec", writing, false, true, "False/RecordingDisabled", true, 0},
		{"no InfluxDB", writing, true, false, "False/RecordingDisabled", true, 0},
		{"writing", writing, true, true, "True/RecordingHealthy", false, 10},
		{"failing", &groupView{Recorded: true, Recording: recording.Stats{Failing: true, Pending: 5, LastError: "connection refused"}}, true, true, "False/WriteFailing", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConditionSet(nil, 1, t0)
			st := recordingState(c, tt.v, tt.enabled, tt.sink, t0)
			cond := findCond(t, c.conds, tradingv1alpha1.ConditionRecording)
			if got := string(cond.Status) + "/" + cond.Reason; got != tt.wantCond {
				t.Errorf("Recording = %s, want %s", got, tt.wantCond)
			}
			if (st == nil) != tt.wantStatusNil {
				t.Fatalf("status = %+v, want nil=%v", st, tt.wantStatusNil)
			}
			if st != nil && st.PointsWritten != tt.wantWritten {
				t.Errorf("pointsWritten = %d, want %d", st.PointsWritten, tt.wantWritten)
			}
		})
	}
}

func TestStreamsForSpecs(t *testing.T) {
	bot := paperSpec()
	if got := strings.Join(botStreams(bot), " "); got != "btcusdt@kline_1m btcusdt@ticker ethusdt@kline_1m ethusdt@ticker" {
		t.Errorf("botStreams = %q", got)
	}
	w := tradingv1alpha1.SymbolWatchSpec{Symbols: []string{"SOLUSDT"}}
	w.SetDefaults()
	if got := strings.Join(watchStreams(w), " "); got != "solusdt@ticker solusdt@kline_1m" {
		t.Errorf("default watchStreams = %q", got)
	}
	off := false
	w.Streams = tradingv1alpha1.StreamsSpec{Ticker: &off, BookTicker: true, Trade: true, AggTrade: true,
		KlineIntervals: []tradingv1alpha1.KlineInterval{"1m", "1h"}}
	if got := strings.Join(watchStreams(w), " "); got != "solusdt@bookTicker solusdt@trade solusdt@aggTrade solusdt@kline_1m solusdt@kline_1h" {
		t.Errorf("watchStreams = %q", got)
	}
}

func TestBotPolicy(t *testing.T) {
	spec := paperSpec()
	p, share := botPolicy(spec)
	if p.Retry.MaxAttempts != 4 || p.Retry.BaseDelay != 200*time.Millisecond || p.Retry.MaxDelay != 10*time.Second || p.Retry.Jitter != 0.2 {
		t.Errorf("retry = %+v, want the spec defaults 4, 200ms, 10s, 0.2", p.Retry)
	}
	if p.Breaker.FailureThreshold != 5 || p.Breaker.OpenDuration != 30*time.Second || p.Breaker.HalfOpenMaxRequests != 1 {
		t.Errorf("breaker = %+v, want the spec defaults", p.Breaker)
	}
	if p.BatchWait != 50*time.Millisecond || p.BatchMax != 20 {
		t.Errorf("batching = %v/%d, want 50ms/20", p.BatchWait, p.BatchMax)
	}
	if share.WeightPerMinute != 600 || share.OrdersPer10s != 10 {
		t.Errorf("share = %+v, want 600/min and 10/10s", share)
	}
	off := false
	spec.Batching.Enabled = &off
	spec.Retry.Jitter = "0"
	p, _ = botPolicy(spec)
	if p.BatchWait >= 0 || p.Retry.Jitter >= 0 {
		t.Errorf("batching off and jitter 0 give wait %v and jitter %v, want both negative (none)", p.BatchWait, p.Retry.Jitter)
	}
}
