// Package replaytest writes kline replay files for the exchange simulator
// (Config.ReplayFile) shaped by tests: straight legs of one-second klines,
// so that a test knows which way a strategy must turn and roughly when; and
// computes the signals a strategy gives on the klines the simulator served.
package replaytest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
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

// ExpectedSignals runs spec's strategy over the BTCUSDT 1s klines the
// simulator at url serves from start on, and returns the accepted signals
// of klines opening in [from, to). It fails t unless they hold both a BUY
// and a SELL, so that a test comparing against them can fail.
func ExpectedSignals(t testing.TB, url string, spec v1alpha1.StrategySpec, start, from, to time.Time) []signal.Signal {
	t.Helper()
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: url, Stream: "ws" + strings.TrimPrefix(url, "http")})
	klines, err := ep.Klines(context.Background(), exchange.CallPolicy{}, "BTCUSDT", "1s", start, 1000)
	if err != nil {
		t.Fatalf("reading the simulator's klines: %v", err)
	}
	cfg, err := signal.ConfigFromSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := signal.New(cfg, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	var out []signal.Signal
	for _, k := range klines {
		if !k.OpenTime.Before(to) {
			break
		}
		sig, ok := st.Update(signal.Kline{Symbol: "BTCUSDT", OpenTime: k.OpenTime, CloseTime: k.CloseTime,
			Open: k.Open, High: k.High, Low: k.Low, Close: k.Close})
		if ok && cfg.Accepts(sig) && !k.OpenTime.Before(from) {
			out = append(out, sig)
		}
	}
	sides := map[signal.Side]int{}
	for _, s := range out {
		sides[s.Side]++
	}
	if sides[signal.Buy] == 0 || sides[signal.Sell] == 0 {
		t.Fatalf("the replay should make the strategy buy and sell; it gives %+v", out)
	}
	return out
}

// SimConfig is the simulator's default configuration replaying legs of
// symbol from start: a price step every 250 ms (four to a one-second
// kline) and two minutes of history for warm-ups. It returns the number of
// klines replayed too.
func SimConfig(t testing.TB, symbol, start string, legs []Leg) (exchangesim.Config, int) {
	t.Helper()
	path, n := WriteCSV(t, symbol, start, legs)
	cfg := exchangesim.DefaultConfig()
	cfg.Tick = 250 * time.Millisecond
	cfg.History = 2 * time.Minute
	cfg.ReplayFile = path
	return cfg, n
}
