package v1alpha1

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestDecimalParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string // decimal.Decimal.String() of the result
		wantErr bool
	}{
		{in: "100", want: "100"},
		{in: "0.5", want: "0.5"},
		{in: "0.000000000000000001", want: "0.000000000000000001"},
		{in: "12345678901234567890.123456789012345678", want: "12345678901234567890.123456789012345678"},
		{in: "007.10", want: "7.1"},
		{in: "", wantErr: true},
		{in: "0", wantErr: true},
		{in: "0.000", wantErr: true},
		{in: "-5", wantErr: true},
		{in: "+5", wantErr: true},
		{in: "1e5", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "5.", wantErr: true},
		{in: "1.2.3", wantErr: true},
		{in: "1,000", wantErr: true},
		{in: " 1", wantErr: true},
		{in: strings.Repeat("9", 21), wantErr: true},
		{in: "1." + strings.Repeat("1", 19), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Decimal(tc.in).Parse()
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got.String() != tc.want {
				t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestNonNegativeDecimalParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "0", want: "0"},
		{in: "0.0", want: "0"},
		{in: "0.2", want: "0.2"},
		{in: "1", want: "1"},
		{in: "", wantErr: true},
		{in: "-0.1", wantErr: true},
		{in: "2e-1", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NonNegativeDecimal(tc.in).Parse()
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got.String() != tc.want {
				t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// Parse keeps every digit: three tenths add up to exactly 0.3.
func ExampleDecimal_Parse() {
	tenth, err := Decimal("0.1").Parse()
	if err != nil {
		panic(err)
	}
	sum := tenth.Add(tenth).Add(tenth)
	fmt.Println(sum, sum.Equal(decimal.RequireFromString("0.3")))
	// Output: 0.3 true
}
