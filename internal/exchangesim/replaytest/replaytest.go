// Package replaytest writes kline replay files for the exchange simulator
// (Config.ReplayFile) shaped by tests: straight legs of one-second klines,
// so that a test knows which way a strategy must turn and roughly when.
package replaytest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Leg is Klines one-second klines whose close moves by Step from the
// previous close.
type Leg struct {
	Klines int
	Step   string
}

// WriteCSV writes symbol's replay, starting at price start, to a file in
// t's temporary directory, and returns the path and the number of klines.
func WriteCSV(t testing.TB, symbol, start string, legs []Leg) (string, int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("symbol,open_time,open,high,low,close,volume\n")
	price, n := decimal.RequireFromString(start), 0
	for _, leg := range legs {
		step := decimal.RequireFromString(leg.Step)
		for range leg.Klines {
			next := price.Add(step)
			fmt.Fprintf(&b, "%s,%d,%s,%s,%s,%s,1\n", symbol, 1_700_000_000_000+int64(n)*1000,
				price, decimal.Max(price, next), decimal.Min(price, next), next)
			price, n = next, n+1
		}
	}
	path := filepath.Join(t.TempDir(), "replay.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, n
}

// Klines counts the klines of legs.
func Klines(legs []Leg) int {
	n := 0
	for _, l := range legs {
		n += l.Klines
	}
	return n
}
