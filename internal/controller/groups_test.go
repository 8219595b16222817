package controller

import (
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
)

func TestGroupVersion(t *testing.T) {
	base := func() groupRequest {
		return groupRequest{
			URLs:        exchange.URLs{REST: "http://127.0.0.1:18090", Stream: "ws://127.0.0.1:18090"},
			Credentials: &exchange.Credentials{APIKey: "key-AAAA", Secret: "secret-BBBB", Type: exchange.KeyHMAC},
			Symbols:     []string{"BTCUSDT", "ETHUSDT"},
			Policy: exchange.CallPolicy{
				Breaker: exchange.BreakerSettings{FailureThreshold: 5, OpenDuration: 30 * time.Second, HalfOpenMaxRequests: 1},
			},
			ShareLimits: exchange.ShareLimits{WeightPerMinute: 600, OrdersPer10s: 10},
			// Freshly allocated each time, as each read of the spec is.
			Signals: &signalRequest{Spec: tradingv1alpha1.StrategySpec{
				Type: tradingv1alpha1.StrategySMACrossover, Interval: tradingv1alpha1.Interval1m, MinConfidence: "0.6",
				SMACrossover:    &tradingv1alpha1.CrossoverParams{FastPeriod: 9, SlowPeriod: 21},
				SignalRetention: &metav1.Duration{Duration: time.Hour},
			}},
		}
	}
	extra := []string{"generation=3", "secret=100"}
	version := func(r groupRequest, ex []string) string { r.Extra = ex; return r.version() }
	ref := version(base(), extra)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(ref) {
		t.Fatalf("version = %q, want 16 hex digits", ref)
	}

	tests := []struct {
		name   string
		change func(c *groupRequest) []string
		// same: the change must not alter the version.
		same bool
	}{
		{"nothing", func(c *groupRequest) []string { return extra }, true},
		{"the share object itself", func(c *groupRequest) []string {
			c.Policy.Share = &exchange.Share{}
			return extra
		}, true},
		{"credentials by value", func(c *groupRequest) []string {
			c.Credentials = &exchange.Credentials{APIKey: "other", Secret: "other", Type: exchange.KeyEd25519}
			return extra
		}, true},
		{"generation", func(c *groupRequest) []string { return []string{"generation=4", "secret=100"} }, false},
		{"secret version", func(c *groupRequest) []string { return []string{"generation=3", "secret=101"} }, false},
		{"no secret", func(c *groupRequest) []string { return []string{"generation=3", "secret="} }, false},
		{"REST URL", func(c *groupRequest) []string { c.URLs.REST = "http://127.0.0.1:18091"; return extra }, false},
		{"stream URL", func(c *groupRequest) []string { c.URLs.Stream = "ws://127.0.0.1:18091"; return extra }, false},
		{"a symbol more", func(c *groupRequest) []string { c.Symbols = append(c.Symbols, "SOLUSDT"); return extra }, false},
		{"symbol order", func(c *groupRequest) []string { c.Symbols = []string{"ETHUSDT", "BTCUSDT"}; return extra }, false},
		{"symbols merged", func(c *groupRequest) []string { c.Symbols = []string{"BTCUSDTETHUSDT"}; return extra }, false},
		{"breaker", func(c *groupRequest) []string { c.Policy.Breaker.OpenDuration = 2 * time.Second; return extra }, false},
		{"retries", func(c *groupRequest) []string { c.Policy.Retry.MaxAttempts = 2; return extra }, false},
		{"batching", func(c *groupRequest) []string { c.Policy.BatchWait = time.Second; return extra }, false},
		{"share", func(c *groupRequest) []string { c.ShareLimits.WeightPerMinute = 60; return extra }, false},
		{"strategy period", func(c *groupRequest) []string { c.Signals.Spec.SMACrossover.SlowPeriod = 30; return extra }, false},
		{"strategy interval", func(c *groupRequest) []string { c.Signals.Spec.Interval = tradingv1alpha1.Interval1s; return extra }, false},
		{"signal retention", func(c *groupRequest) []string { c.Signals.Spec.SignalRetention.Duration = 2 * time.Hour; return extra }, false},
		{"no strategy", func(c *groupRequest) []string { c.Signals = nil; return extra }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			ex := tt.change(&c)
			got := version(c, ex)
			if (got == ref) != tt.same {
				t.Errorf("groupVersion = %s, reference %s; want same=%v", got, ref, tt.same)
			}
			for _, secret := range []string{"key-AAAA", "secret-BBBB", "other"} {
				if strings.Contains(got, secret) {
					t.Errorf("version %q contains a credential", got)
				}
			}
		})
	}
}
