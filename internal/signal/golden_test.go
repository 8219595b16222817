package signal

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var (
	updateGolden = flag.Bool("update", false, "rewrite testdata/signals.golden from the current code")
	regenKlines  = flag.Bool("regen-klines", false, "rewrite testdata/klines.csv (a seeded random walk); then run with -update")
)

const (
	goldenKlines  = "testdata/klines.csv"
	goldenSignals = "testdata/signals.golden"
)

// goldenConfigs are the strategies the golden file covers.
func goldenConfigs() []Config {
	return []Config{smaConfig(9, 21), emaConfig(12, 26), rsiConfig(14, 30, 70), bollingerConfig(20, 2)}
}

// TestGolden runs every strategy over a committed kline series and
// compares a text rendering of every signal with the committed golden file:
// the same klines must give the same signals, byte for byte.
func TestGolden(t *testing.T) {
	if *regenKlines {
		writeRandomWalk(t, goldenKlines, 3000)
	}
	klines := readKlines(t, goldenKlines)
	var out bytes.Buffer
	for _, cfg := range goldenConfigs() {
		st, err := New(cfg, "BTCUSDT")
		if err != nil {
			t.Fatal(err)
		}
		var lines bytes.Buffer
		n := 0
		for _, k := range klines {
			if s, ok := st.Update(k); ok {
				n++
				fmt.Fprintf(&lines, "%s %s %.4f %s accepted=%v %s\n", s.ID(), s.Side, s.Confidence, s.Price, cfg.Accepts(s), s.Reason())
			}
		}
		fmt.Fprintf(&out, "# %s fast=%d slow=%d period=%d oversold=%v overbought=%v k=%v warmup=%d: %d signals\n",
			cfg.Type, cfg.FastPeriod, cfg.SlowPeriod, cfg.Period, cfg.Oversold, cfg.Overbought, cfg.StdDevMultiplier, cfg.WarmupKlines(), n)
		out.Write(lines.Bytes())
	}
	if *updateGolden {
		if err := os.WriteFile(goldenSignals, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenSignals)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		got := bytes.Split(out.Bytes(), []byte("\n"))
		exp := bytes.Split(want, []byte("\n"))
		for i := 0; i < max(len(got), len(exp)); i++ {
			var g, e []byte
			if i < len(got) {
				g = got[i]
			}
			if i < len(exp) {
				e = exp[i]
			}
			if !bytes.Equal(g, e) {
				t.Fatalf("%s line %d differs:\n got %s\nwant %s\n(run with -update if the change is intended)", goldenSignals, i+1, g, e)
			}
		}
	}
}

// readKlines reads the golden series: open time, open, high, low, close,
// one-minute klines of BTCUSDT.
func readKlines(t *testing.T, path string) []Kline {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ks := make([]Kline, 0, len(rows))
	for i, r := range rows[1:] {
		open, err := time.Parse(time.RFC3339, r[0])
		if err != nil {
			t.Fatalf("%s row %d: %v", path, i+2, err)
		}
		var p [4]decimal.Decimal
		for j := range p {
			if p[j], err = decimal.NewFromString(r[j+1]); err != nil {
				t.Fatalf("%s row %d: %v", path, i+2, err)
			}
		}
		ks = append(ks, Kline{Symbol: "BTCUSDT", OpenTime: open, CloseTime: open.Add(time.Minute - time.Millisecond),
			Open: p[0], High: p[1], Low: p[2], Close: p[3]})
	}
	return ks
}

// writeRandomWalk writes n one-minute klines of a seeded random walk from
// 100: 0.3 % per kline, one kline in thirty flat, prices to two decimals.
func writeRandomWalk(t *testing.T, path string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(2026, 9))
	round2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"open_time", "open", "high", "low", "close"})
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	price := 100.0
	for i := range n {
		open, cls := price, price
		if rng.IntN(30) != 0 {
			cls = max(0.01, round2(open*math.Exp(0.003*rng.NormFloat64())))
		}
		high := round2(max(open, cls) * (1 + 0.001*math.Abs(rng.NormFloat64())))
		low := round2(min(open, cls) * (1 - 0.001*math.Abs(rng.NormFloat64())))
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
		_ = w.Write([]string{start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339), f(open), f(high), f(low), f(cls)})
		price = cls
	}
	w.Flush()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
