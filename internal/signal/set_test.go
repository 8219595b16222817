package signal

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// render is a signal as text, every field included, for exact comparison.
func render(s Signal) string {
	return fmt.Sprintf("%s %s %s %v %s %s %s %s", s.Symbol, s.Side, s.Strategy, s.Confidence, s.Price,
		s.KlineOpen.Format("2006-01-02T15:04:05.000Z07:00"), s.KlineClose.Format("2006-01-02T15:04:05.000Z07:00"), s.Reason())
}

// A Set gives, for each of its strategies, exactly the signals that
// strategy gives alone, fed the same klines one by one.
func TestSetMatchesStrategies(t *testing.T) {
	cfgs := append(benchMix(), goldenConfigs()...)
	cfgs = append(cfgs, smaConfig(2, 4), rsiConfig(3, 40, 60), bollingerConfig(3, 0.5))
	series := map[string][]Kline{
		"golden": readKlines(t, goldenKlines),
		"walk":   benchKlines(rand.New(rand.NewPCG(7, 7)), "BTCUSDT", 4000),
	}
	for name, ks := range series {
		t.Run(name, func(t *testing.T) {
			set, err := NewSet("BTCUSDT", cfgs...)
			if err != nil {
				t.Fatal(err)
			}
			if set.Len() != len(cfgs) {
				t.Fatalf("Len %d, want %d", set.Len(), len(cfgs))
			}
			alone := make([]Strategy, len(cfgs))
			warmup := 0
			for i, cfg := range cfgs {
				if alone[i], err = New(cfg, "BTCUSDT"); err != nil {
					t.Fatal(err)
				}
				warmup = max(warmup, cfg.WarmupKlines())
			}
			if set.WarmupKlines() != warmup {
				t.Fatalf("WarmupKlines %d, want %d", set.WarmupKlines(), warmup)
			}
			var out []SetSignal
			fired := 0
			for j := range ks {
				out = set.Update(&ks[j], out[:0])
				var want []SetSignal
				for i, st := range alone {
					if s, ok := st.Update(ks[j]); ok {
						want = append(want, SetSignal{Index: i, Signal: s})
					}
				}
				if len(out) != len(want) {
					t.Fatalf("kline %d: %d signals from the set, %d from the strategies alone", j, len(out), len(want))
				}
				for i := range out {
					if out[i].Index != want[i].Index || render(out[i].Signal) != render(want[i].Signal) {
						t.Fatalf("kline %d: the set gave\n%d %s\nalone:\n%d %s", j,
							out[i].Index, render(out[i].Signal), want[i].Index, render(want[i].Signal))
					}
				}
				fired += len(out)
				if got, want := set.Ready(), j+1 >= warmup; got != want {
					t.Fatalf("after %d klines Ready is %v, WarmupKlines %d", j+1, got, warmup)
				}
			}
			if fired < 100 {
				t.Fatalf("only %d signals: the comparison says little", fired)
			}
		})
	}
}

func TestSetIgnores(t *testing.T) {
	set, err := NewSet("ETHUSDT", bollingerConfig(3, 1), bollingerConfig(2, 0.5))
	if err != nil {
		t.Fatal(err)
	}
	ks := closesToKlines("ETHUSDT", []float64{10, 10, 10, 5})
	var out []SetSignal
	out = set.Update(&ks[0], out)

	other := ks[1]
	other.Symbol, other.Close = "BTCUSDT", ks[3].Close
	if out = set.Update(&other, out); len(out) != 0 {
		t.Fatal("a kline of another symbol fired")
	}
	huge := ks[1]
	huge.Close = decimal.New(1, 400) // beyond float64: its float is +Inf
	if out = set.Update(&huge, out); len(out) != 0 {
		t.Fatal("a kline with a close that is not finite fired")
	}
	out = set.Update(&ks[1], out)
	out = set.Update(&ks[2], out)
	if !set.Ready() || len(out) != 0 { // a folded 5 would have given a SELL on the 10s
		t.Fatalf("after three klines: Ready %v, %d signals", set.Ready(), len(out))
	}
	stale := ks[3]
	stale.OpenTime = ks[2].OpenTime // a repeat of the last open time, with another close
	if out = set.Update(&stale, out); len(out) != 0 {
		t.Fatal("a kline not newer than the last one fired")
	}
	older := ks[3]
	older.OpenTime = ks[0].OpenTime
	if out = set.Update(&older, out); len(out) != 0 {
		t.Fatal("an older kline fired")
	}
	// Had any ignored kline been folded, the bands would not be flat at 10
	// before the next kline, and it would not give both strategies a BUY.
	out = set.Update(&ks[3], out)
	if len(out) != 2 || out[0].Index != 0 || out[0].Side != Buy || out[1].Index != 1 || out[1].Side != Buy {
		t.Fatalf("the next kline gave %+v, want a BUY of strategy 0 and one of strategy 1", out)
	}
}

// A strategy alone ignores a kline whose close is not finite, as a Set
// does.
func TestUpdateIgnoresNonFiniteClose(t *testing.T) {
	st, err := New(bollingerConfig(2, 1), "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	ks := closesToKlines("BTCUSDT", []float64{10, 10, 10, 10})
	st.Update(ks[0])
	for _, c := range []decimal.Decimal{decimal.New(1, 400), decimal.New(-1, 400)} {
		k := ks[1]
		k.Close = c
		if _, ok := st.Update(k); ok {
			t.Fatalf("close %s fired", c)
		}
	}
	st.Update(ks[1])
	if !st.Ready() {
		t.Fatal("the non-finite closes were counted, or the next kline was refused")
	}
}

func TestNewSetRefuses(t *testing.T) {
	if _, err := NewSet("BTCUSDT"); err == nil {
		t.Error("a set of no strategy was made")
	}
	if _, err := NewSet("", smaConfig(2, 4)); err == nil {
		t.Error("a set with no symbol was made")
	}
	if _, err := NewSet("BTCUSDT", smaConfig(2, 4), smaConfig(4, 2)); err == nil {
		t.Error("a set with an invalid config was made")
	}
}

// Update allocates nothing on a kline that gives no signal.
func TestSetUpdateAllocationFree(t *testing.T) {
	closes := make([]float64, 5000)
	for i := range closes {
		closes[i] = 100 + 0.01*float64(i)
	}
	ks := closesToKlines("BTCUSDT", closes)
	set, err := NewSet("BTCUSDT", smaConfig(9, 21), emaConfig(12, 26), rsiConfig(14, 30, 70), bollingerConfig(20, 2))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]SetSignal, 0, 4)
	for i := range ks[:1000] {
		out = set.Update(&ks[i], out[:0])
	}
	i, fires := 1000, 0
	allocs := testing.AllocsPerRun(2000, func() {
		out = set.Update(&ks[i], out[:0])
		fires += len(out)
		i++
	})
	if allocs != 0 || fires != 0 {
		t.Errorf("%v allocations per Update, %d signals", allocs, fires)
	}
}
