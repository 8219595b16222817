package validation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// TestDecimalGrammarMatchesSchema checks that the CRD schema and the Go
// parsers in api/v1alpha1 accept exactly the same decimal strings, so a value
// the API server stored always parses in the operator.
func TestDecimalGrammarMatchesSchema(t *testing.T) {
	inputs := []string{
		"1", "100", "0.5", "0.000000000000000001", "007.10",
		strings.Repeat("9", 20), strings.Repeat("9", 20) + "." + strings.Repeat("9", 18),
		"0", "0.0", "", "-1", "+1", "1e5", ".5", "5.", "1.2.3", "1,5", " 1", "1 ",
		strings.Repeat("9", 21), "1." + strings.Repeat("1", 19), "NaN", "Infinity", "0x10",
	}
	for _, in := range inputs {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			_, posErr := v1.Decimal(in).Parse()
			_, nonNegErr := v1.NonNegativeDecimal(in).Parse()
			patch := fmt.Sprintf(`{risk: {maxDailyLossQuote: %q}, retry: {jitter: %q}}`, in, in)
			err := k8sClient.Create(context.Background(), patched(t, validBot, "decimal", patch), client.DryRunAll)

			var msg string
			if err != nil {
				msg = err.Error()
			}
			posRefused := strings.Contains(msg, "spec.risk.maxDailyLossQuote")
			nonNegRefused := strings.Contains(msg, "spec.retry.jitter")
			if posRefused != (posErr != nil) {
				t.Errorf("Decimal: schema refused=%v, Go Parse error=%v (server said %q)", posRefused, posErr, msg)
			}
			// jitter is also capped at 1, so only compare for values the
			// grammar alone decides.
			if nonNegErr == nil {
				if d, _ := v1.NonNegativeDecimal(in).Parse(); d.GreaterThan(decimal.NewFromInt(1)) {
					return
				}
			}
			if nonNegRefused != (nonNegErr != nil) {
				t.Errorf("NonNegativeDecimal: schema refused=%v, Go Parse error=%v (server said %q)", nonNegRefused, nonNegErr, msg)
			}
		})
	}
}

// TestDecimalBoundsAreExact puts every decimal bound of the schema to values
// that differ from it (or from each other) only in the 17th significant
// digit, where a comparison through double() sees equal numbers, and checks
// both sides of each bound: the value just past it is refused with a message
// naming the field, the value just within it (or on it, however written) is
// accepted.
func TestDecimalBoundsAreExact(t *testing.T) {
	type bound struct {
		field  string // path in the error
		over   string // patch just past the bound
		within []string
		want   string
	}
	rsi := `strategy: {type: RSI, smaCrossover: null, rsi: %s}`
	bb := `strategy: {type: BollingerBands, smaCrossover: null, bollingerBands: %s}`
	bounds := []bound{
		{"spec.strategy.minConfidence", `{strategy: {minConfidence: "1.0000000000000001"}}`,
			[]string{`{strategy: {minConfidence: "0.99999999999999999"}}`, `{strategy: {minConfidence: "1.000000000000000000"}}`, `{strategy: {minConfidence: "00000000000000000001"}}`},
			"minConfidence must be at most 1, not 1.0000000000000001"},
		{"spec.retry.jitter", `{retry: {jitter: "1.0000000000000001"}}`,
			[]string{`{retry: {jitter: "0.99999999999999999"}}`, `{retry: {jitter: "1"}}`, `{retry: {jitter: "01.0"}}`},
			"jitter must be at most 1, not 1.0000000000000001"},
		{"spec.strategy.rsi.overbought", fmt.Sprintf("{"+rsi+"}", `{overbought: "100.00000000000001"}`),
			[]string{fmt.Sprintf("{"+rsi+"}", `{overbought: "99.999999999999999"}`), fmt.Sprintf("{"+rsi+"}", `{overbought: "100.000"}`)},
			"overbought must be at most 100, not 100.00000000000001"},
		{"spec.strategy.rsi.oversold", fmt.Sprintf("{"+rsi+"}", `{oversold: "100.00000000000001", overbought: "100"}`),
			[]string{fmt.Sprintf("{"+rsi+"}", `{oversold: "99.999999999999999", overbought: "100"}`)},
			"oversold must be at most 100, not 100.00000000000001"},
		{"spec.strategy.bollingerBands.stdDevMultiplier", fmt.Sprintf("{"+bb+"}", `{stdDevMultiplier: "10.000000000000001"}`),
			[]string{fmt.Sprintf("{"+bb+"}", `{stdDevMultiplier: "9.9999999999999999"}`), fmt.Sprintf("{"+bb+"}", `{stdDevMultiplier: "010"}`)},
			"stdDevMultiplier must be at most 10, not 10.000000000000001"},
		{"spec.strategy.rsi.oversold", fmt.Sprintf("{"+rsi+"}", `{oversold: "50.000000000000001", overbought: "50"}`),
			[]string{fmt.Sprintf("{"+rsi+"}", `{oversold: "49.999999999999999", overbought: "50"}`), fmt.Sprintf("{"+rsi+"}", `{oversold: "50", overbought: "50.000000000000001"}`)},
			"oversold (50.000000000000001) must be less than overbought (50)"},
		{"spec.strategy.rsi.oversold", fmt.Sprintf("{"+rsi+"}", `{oversold: "50", overbought: "50.0"}`),
			nil, "oversold (50) must be less than overbought (50.0)"},
		{"spec.risk.maxOrderQuote", `{risk: {maxOrderQuote: "10000000000000001", maxPositionQuote: "10000000000000000"}}`,
			[]string{`{risk: {maxOrderQuote: "10000000000000000", maxPositionQuote: "10000000000000001"}}`, `{risk: {maxOrderQuote: "10000000000000000.0", maxPositionQuote: "10000000000000000"}}`},
			"maxOrderQuote (10000000000000001) must not exceed maxPositionQuote (10000000000000000)"},
		{"spec.risk.maxOrderQuote", `{risk: {maxOrderQuote: "1000.0000000000001"}}`,
			[]string{`{risk: {maxOrderQuote: "999.99999999999999"}}`},
			"maxOrderQuote (1000.0000000000001) must not exceed maxPositionQuote (1000)"},
		{"spec.risk.maxOrderQuote", `{risk: {maxOrderQuote: "99999999999999999999.000000000000000002", maxPositionQuote: "99999999999999999999.000000000000000001"}}`,
			[]string{`{risk: {maxOrderQuote: "99999999999999999999.000000000000000001", maxPositionQuote: "99999999999999999999.000000000000000002"}}`,
				`{risk: {maxOrderQuote: "9", maxPositionQuote: "10"}}`, `{risk: {maxOrderQuote: "0.000000000000000001", maxPositionQuote: "0.00000000000000001"}}`},
			"must not exceed maxPositionQuote"},
	}
	var invalid []invalidCase
	var valid []validCase
	for i, b := range bounds {
		invalid = append(invalid, invalidCase{fmt.Sprintf("past bound %d", i), b.over, []string{b.field, b.want}})
		for j, w := range b.within {
			valid = append(valid, validCase{fmt.Sprintf("within bound %d-%d", i, j), w})
		}
	}
	runInvalidCases(t, validBot, invalid)
	runValidCases(t, validBot, valid)

	// The same rules guard a SymbolWatch's alert-only signals.
	runInvalidCases(t, validWatch, []invalidCase{
		{"past watch bound", `{signals: {type: RSI, rsi: {overbought: "100.00000000000001"}}}`,
			[]string{"spec.signals.rsi.overbought", "overbought must be at most 100"}},
		{"past watch confidence", `{signals: {type: RSI, rsi: {}, minConfidence: "1.0000000000000001"}}`,
			[]string{"spec.signals.minConfidence", "minConfidence must be at most 1"}},
	})
	runValidCases(t, validWatch, []validCase{
		{"within watch bound", `{signals: {type: RSI, rsi: {overbought: "99.999999999999999"}, minConfidence: "0.99999999999999999"}}`},
	})
}

// TestDecimalComparisonMatchesGo compares many pairs of decimals through the
// schema's maxOrderQuote <= maxPositionQuote and oversold < overbought rules
// and checks every verdict against exact Go decimals. The pairs are made to
// be hard: equal values written differently (leading and trailing zeros),
// values one unit apart in the last of 17 to 38 significant digits, and
// integer parts of different lengths.
func TestDecimalComparisonMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261205, 1)) // fixed: a failure can be replayed
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	// spell writes d in the API's grammar, with up to two extra leading
	// and trailing zeros where they fit.
	spell := func(d decimal.Decimal) string {
		s := d.String()
		intPart, frac, _ := strings.Cut(s, ".")
		if pad := rng.IntN(3); len(intPart)+pad <= 20 {
			intPart = strings.Repeat("0", pad) + intPart
		}
		if pad := rng.IntN(3); len(frac)+pad <= 18 && (frac != "" || pad > 0) {
			frac += strings.Repeat("0", pad)
		}
		if frac == "" {
			return intPart
		}
		return intPart + "." + frac
	}
	ulp := func(scale int) decimal.Decimal { return decimal.New(1, int32(-scale)) }
	type pair struct{ a, b string }
	var pairs []pair
	for len(pairs) < 150 {
		intDigits, scale := 1+rng.IntN(20), rng.IntN(19)
		a, _ := decimal.NewFromString(digits(intDigits) + "." + digits(18))
		a = a.Truncate(int32(scale)).Add(ulp(scale)) // positive
		var b decimal.Decimal
		switch rng.IntN(4) {
		case 0:
			b = a
		case 1:
			b = a.Add(ulp(scale))
		case 2:
			b = a.Sub(ulp(scale))
		default:
			b, _ = decimal.NewFromString(digits(1+rng.IntN(20)) + "." + digits(rng.IntN(19)+1))
		}
		if !b.IsPositive() || len(b.Truncate(0).String()) > 20 || b.Exponent() < -18 {
			continue
		}
		pairs = append(pairs, pair{spell(a), spell(b)})
	}
	for i, p := range pairs {
		a, _ := v1.Decimal(p.a).Parse()
		b, _ := v1.Decimal(p.b).Parse()
		patch := fmt.Sprintf(`{risk: {maxOrderQuote: %q, maxPositionQuote: %q}}`, p.a, p.b)
		err := k8sClient.Create(context.Background(), patched(t, validBot, fmt.Sprintf("cmp-%d", i), patch), client.DryRunAll)
		if refused, want := err != nil, a.GreaterThan(b); refused != want {
			t.Errorf("maxOrderQuote %s, maxPositionQuote %s: refused=%v, want %v (%v)", p.a, p.b, refused, want, err)
		}
		if a.GreaterThan(decimal.NewFromInt(100)) || b.GreaterThan(decimal.NewFromInt(100)) {
			continue
		}
		patch = fmt.Sprintf(`{strategy: {type: RSI, smaCrossover: null, rsi: {oversold: %q, overbought: %q}}}`, p.a, p.b)
		err = k8sClient.Create(context.Background(), patched(t, validBot, fmt.Sprintf("rsi-%d", i), patch), client.DryRunAll)
		if refused, want := err != nil, !a.LessThan(b); refused != want {
			t.Errorf("oversold %s, overbought %s: refused=%v, want %v (%v)", p.a, p.b, refused, want, err)
		}
	}
}
