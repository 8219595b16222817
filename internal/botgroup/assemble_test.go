package botgroup

import (
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
)

func TestGroupVersion(t *testing.T) {
	base := func() Request {
		return Request{
			URLs:        exchange.URLs{REST: "http://127.0.0.1:18090", Stream: "ws://127.0.0.1:18090"},
			Credentials: &exchange.Credentials{APIKey: "key-AAAA", Secret: "secret-BBBB", Type: exchange.KeyHMAC},
			Symbols:     []string{"BTCUSDT", "ETHUSDT"},
			Policy: exchange.CallPolicy{
				Breaker: exchange.BreakerSettings{FailureThreshold: 5, OpenDuration: 30 * time.Second, HalfOpenMaxRequests: 1},
			},
			ShareLimits: exchange.ShareLimits{WeightPerMinute: 600, OrdersPer10s: 10},
			// Freshly allocated each time, as each read of the spec is.
			Signals: &SignalRequest{Spec: tradingv1alpha1.StrategySpec{
				Type: tradingv1alpha1.StrategySMACrossover, Interval: tradingv1alpha1.Interval1m, MinConfidence: "0.6",
				SMACrossover:    &tradingv1alpha1.CrossoverParams{FastPeriod: 9, SlowPeriod: 21},
				SignalRetention: &metav1.Duration{Duration: time.Hour},
			}},
		}
	}
	extra := []string{"generation=3", "secret=100"}
	version := func(r Request, ex []string) string { r.Extra = ex; return r.Version() }
	ref := version(base(), extra)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(ref) {
		t.Fatalf("version = %q, want 16 hex digits", ref)
	}

	tests := []struct {
		name   string
		change func(c *Request) []string
		// same: the change must not alter the version.
		same bool
	}{
		{"nothing", func(c *Request) []string { return extra }, true},
		{"the share object itself", func(c *Request) []string {
			c.Policy.Share = &exchange.Share{}
			return extra
		}, true},
		{"credentials by value", func(c *Request) []string {
			c.Credentials = &exchange.Credentials{APIKey: "other", Secret: "other", Type: exchange.KeyEd25519}
			return extra
		}, true},
		{"generation", func(c *Request) []string { return []string{"generation=4", "secret=100"} }, false},
		{"secret version", func(c *Request) []string { return []string{"generation=3", "secret=101"} }, false},
		{"no secret", func(c *Request) []string { return []string{"generation=3", "secret="} }, false},
		{"REST URL", func(c *Request) []string { c.URLs.REST = "http://127.0.0.1:18091"; return extra }, false},
		{"stream URL", func(c *Request) []string { c.URLs.Stream = "ws://127.0.0.1:18091"; return extra }, false},
		{"a symbol more", func(c *Request) []string { c.Symbols = append(c.Symbols, "SOLUSDT"); return extra }, false},
		{"symbol order", func(c *Request) []string { c.Symbols = []string{"ETHUSDT", "BTCUSDT"}; return extra }, false},
		{"symbols merged", func(c *Request) []string { c.Symbols = []string{"BTCUSDTETHUSDT"}; return extra }, false},
		{"breaker", func(c *Request) []string { c.Policy.Breaker.OpenDuration = 2 * time.Second; return extra }, false},
		{"retries", func(c *Request) []string { c.Policy.Retry.MaxAttempts = 2; return extra }, false},
		{"batching", func(c *Request) []string { c.Policy.BatchWait = time.Second; return extra }, false},
		{"share", func(c *Request) []string { c.ShareLimits.WeightPerMinute = 60; return extra }, false},
		{"strategy period", func(c *Request) []string { c.Signals.Spec.SMACrossover.SlowPeriod = 30; return extra }, false},
		{"strategy interval", func(c *Request) []string { c.Signals.Spec.Interval = tradingv1alpha1.Interval1s; return extra }, false},
		{"signal retention", func(c *Request) []string { c.Signals.Spec.SignalRetention.Duration = 2 * time.Hour; return extra }, false},
		{"no strategy", func(c *Request) []string { c.Signals = nil; return extra }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			ex := tt.change(&c)
			got := version(c, ex)
			if (got == ref) != tt.same {
				t.Errorf("Version = %s, reference %s; want same=%v", got, ref, tt.same)
			}
			for _, secret := range []string{"key-AAAA", "secret-BBBB", "other"} {
				if strings.Contains(got, secret) {
					t.Errorf("version %q contains a credential", got)
				}
			}
		})
	}
}

// A resource's signal state outlives its group's generations (so a spec
// change keeps its history and counts) and goes with Release.
func TestAssemblerKeepsSignalStateUntilRelease(t *testing.T) {
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(reg.Close)
	a := NewAssembler(AssemblerOptions{Registry: reg, ProbeInterval: time.Second})
	owner := Owner{Kind: "SymbolWatch", Namespace: "ns", Name: "w"}
	req := func(fast int32) Request {
		return Request{
			Owner:   owner,
			URLs:    exchange.URLs{REST: "http://127.0.0.1:18090", Stream: "ws://127.0.0.1:18090"},
			Symbols: []string{"BTCUSDT"},
			Signals: &SignalRequest{Spec: tradingv1alpha1.StrategySpec{
				Type: tradingv1alpha1.StrategySMACrossover, Interval: tradingv1alpha1.Interval1m, MinConfidence: "0.6",
				SMACrossover: &tradingv1alpha1.CrossoverParams{FastPeriod: fast, SlowPeriod: 21},
			}},
		}
	}
	assemble := func(r Request) *Group {
		t.Helper()
		g, err := a.Assemble(r)
		if err != nil {
			t.Fatalf("Assemble: %v", err)
		}
		if g.cfg.Signals == nil {
			t.Fatal("a request with a strategy got a group without signals")
		}
		return g
	}
	first := assemble(req(9))
	second := assemble(req(5)) // the next generation, after a spec change
	if first.cfg.Signals.State != second.cfg.Signals.State {
		t.Error("the next generation of the group got a new signal state; want the resource's one")
	}
	if first.cfg.Meta != (recording.Meta{Namespace: "ns", Name: "w", Kind: "SymbolWatch"}) {
		t.Errorf("meta = %+v", first.cfg.Meta)
	}
	a.Release(owner)
	if third := assemble(req(5)); third.cfg.Signals.State == first.cfg.Signals.State {
		t.Error("after Release the resource's signal state was kept")
	}
}
