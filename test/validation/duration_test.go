package validation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestDurationFields puts every duration field of both kinds to values a
// person might write, and some meant to break the rules: each is refused
// with the field's own message in words (never a regular expression or a
// conversion error, even for values too large for a Go duration), or
// accepted when it is a valid duration within the field's bounds.
func TestDurationFields(t *testing.T) {
	type field struct {
		path, patch string // patch has one %s for the quoted value
		name        string
		below       string // just under the minimum; "" when the minimum is 0s
		min, max    string
		above       string // just over the maximum
	}
	fields := []field{
		{"spec.risk.cooldown", `{risk: {cooldown: %s}}`, "cooldown", "", "0s", "24h", "24h0m0.000000001s"},
		{"spec.orders.cancelAfter", `{orders: {cancelAfter: %s}}`, "cancelAfter", "999999999ns", "1s", "24h", "86400.000000001s"},
		{"spec.batching.maxWait", `{batching: {maxWait: %s}}`, "maxWait", "", "0s", "5s", "5001ms"},
		{"spec.circuitBreaker.openDuration", `{circuitBreaker: {openDuration: %s}}`, "openDuration", "0.999s", "1s", "1h", "60m1s"},
		{"spec.retry.baseDelay", `{retry: {baseDelay: %s, maxDelay: 10m}}`, "baseDelay", "999us", "1ms", "1m", "1m0.001s"},
		{"spec.retry.maxDelay", `{retry: {baseDelay: 1ms, maxDelay: %s}}`, "maxDelay", "999µs", "1ms", "10m", "601s"},
		{"spec.recording.flushInterval", `{recording: {flushInterval: %s}}`, "flushInterval", "99ms", "100ms", "1m", "1.5m"},
		{"spec.strategy.signalRetention", `{strategy: {signalRetention: %s}}`, "signalRetention", "59s", "1m", "720h", "720.5h"},
	}
	// Values no field accepts: not durations, negative, a unit Go lacks,
	// or too large for a Go duration (which used to reach duration() and
	// fail there with a conversion error).
	garbage := []string{`"5 minutes"`, `"-1s"`, `"+1s"`, `"1d"`, `"1.s"`, `".5s"`, `"1h 30m"`, `"1H"`, `""`, `"s"`,
		`"99999999999h"`, `"2562048h"`, `"9223372036854775808ns"`, `"99999h99999h99999h99999h99999h"`,
		`"153722867m"`, `"9223372037s"`, `"9999999999999999999ns"`}
	for _, kind := range []struct {
		base   string
		fields []field
	}{{validBot, fields}, {validWatch, []field{
		{"spec.recording.flushInterval", `{recording: {flushInterval: %s}}`, "flushInterval", "99ms", "100ms", "1m", "60001ms"},
		{"spec.signals.signalRetention", `{signals: {type: RSI, rsi: {}, signalRetention: %s}}`, "signalRetention", "59s", "1m", "720h", "43201m"},
	}}} {
		var invalid []invalidCase
		var valid []validCase
		for _, f := range kind.fields {
			refused := append([]string(nil), garbage...)
			if f.below != "" {
				refused = append(refused, fmt.Sprintf("%q", f.below))
			}
			refused = append(refused, fmt.Sprintf("%q", f.above))
			for i, v := range refused {
				want := []string{f.path, fmt.Sprintf("%s must be a duration from %s to %s", f.name, f.min, f.max)}
				if v != `""` {
					want = append(want, "got "+v)
				}
				invalid = append(invalid, invalidCase{fmt.Sprintf("%s refused %d", f.name, i), fmt.Sprintf(f.patch, v), want})
			}
			for i, v := range []string{f.min, f.max, "0", "1m0.5s"} {
				if v == "0" && f.min != "0s" {
					continue
				}
				if v == "1m0.5s" && (f.max == "5s" || f.max == "1m") {
					continue
				}
				valid = append(valid, validCase{fmt.Sprintf("%s accepted %d", f.name, i), fmt.Sprintf(f.patch, fmt.Sprintf("%q", v))})
			}
		}
		name := strings.ToLower(strings.Fields(strings.TrimSpace(kind.base))[3])
		t.Run(name, func(t *testing.T) {
			runInvalidCases(t, kind.base, invalid)
			runValidCases(t, kind.base, valid)
		})
	}
}

// TestDurationVerdictsMatchGo sends generated durations, each part within
// the digit caps of the schema's pattern, to a field bounded at 24h and
// checks every verdict against Go: such a string must always parse with
// time.ParseDuration (the caps exist so that it cannot overflow), and the
// server must accept it exactly when it is at most 24h, with a readable
// refusal otherwise.
func TestDurationVerdictsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261205, 2)) // fixed: a failure can be replayed
	units := []struct {
		unit string
		cap  int // the pattern's most integer digits for the unit
	}{{"h", 5}, {"m", 6}, {"s", 8}, {"ms", 11}, {"us", 14}, {"µs", 14}, {"ns", 17}}
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	var values []string
	for len(values) < 120 {
		var b strings.Builder
		for range 1 + rng.IntN(4) {
			u := units[rng.IntN(len(units))]
			n := 1 + rng.IntN(u.cap)
			if rng.IntN(2) == 0 { // half small, so that many fall within 24h
				n = 1 + rng.IntN(2)
			}
			b.WriteString(digits(n))
			if rng.IntN(3) == 0 {
				b.WriteString("." + digits(1+rng.IntN(4)))
			}
			b.WriteString(u.unit)
		}
		if v := b.String(); len(v) <= 32 {
			values = append(values, v)
		}
	}
	accepted := 0
	defer func() { t.Logf("%d of %d values within 24h", accepted, len(values)) }()
	for i, v := range values {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Errorf("%q is within the pattern's caps but Go cannot parse it: %v", v, err)
			continue
		}
		err = k8sClient.Create(context.Background(),
			patched(t, validBot, fmt.Sprintf("dur-%d", i), fmt.Sprintf(`{risk: {cooldown: %q}}`, v)), client.DryRunAll)
		if err == nil {
			accepted++
		}
		if refused, want := err != nil, d > 24*time.Hour; refused != want {
			t.Errorf("cooldown %q (%v): refused=%v, want %v (%v)", v, d, refused, want, err)
		}
		if err != nil {
			checkReadable(t, err.Error())
			if !strings.Contains(err.Error(), "cooldown must be a duration from 0s to 24h") {
				t.Errorf("cooldown %q refused with %q", v, err)
			}
		}
	}
}
