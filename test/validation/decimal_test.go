package validation

import (
	"context"
	"fmt"
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
