package exchangesim

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

func TestNum(t *testing.T) {
	tests := map[string]string{
		"0":                          "0.00000000",
		"1":                          "1.00000000",
		"-1.5":                       "-1.50000000",
		"65000.01":                   "65000.01000000",
		"0.00000001":                 "0.00000001",
		"-0.00000001":                "-0.00000001",
		"0.000000001":                "0.000000001", // more decimals than Binance prints are kept
		"0.0000000010":               "0.000000001",
		"1.000000000":                "1.00000000",
		"123456789012345678.5":       "123456789012345678.50000000",
		"9223372036854775807":        "9223372036854775807.00000000",
		"99999999999999999999999.99": "99999999999999999999999.99000000",
		"1e3":                        "1000.00000000",
	}
	for in, want := range tests {
		if got := num(decimal.RequireFromString(in)); got != want {
			t.Errorf("num(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestNumMatchesStringFixed checks the fast path against decimal's own
// formatting on random values.
func TestNumMatchesStringFixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		d := decimal.New(rng.Int64N(1<<62)-(1<<61), -int32(rng.IntN(9)))
		if got, want := num(d), d.StringFixed(8); got != want {
			t.Fatalf("num(%s) = %s, want %s", d, got, want)
		}
	}
}

func BenchmarkNum(b *testing.B) {
	d := decimal.RequireFromString("65000.01")
	for b.Loop() {
		_ = num(d)
	}
}
