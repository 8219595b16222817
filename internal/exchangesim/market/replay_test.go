package market

import (
	"strings"
	"testing"
	"time"
)

// replayCSV has three 1m klines of BTCUSDT: rising, falling, rising.
const replayCSV = `symbol,open_time,open,high,low,close,volume
BTCUSDT,1704067200000,100.00,101.50,99.00,101.00,12
BTCUSDT,1704067260000,101.00,101.20,100.10,100.50,6
BTCUSDT,1704067320000,100.50,103.00,100.50,102.75,30
`

func replayMarket(t *testing.T) (*Market, map[string][]Kline, time.Time) {
	t.Helper()
	replay, err := ParseReplayCSV(strings.NewReader(replayCSV))
	if err != nil {
		t.Fatal(err)
	}
	all := eightSymbols()
	btc := all[0]
	btc.Volatility = 0 // flat history, so the first kline opens at the replay's open
	start := testStart.Truncate(time.Minute)
	m := mustNew(t, Config{Seed: 5, Symbols: []SymbolParams{btc, all[1]}, Replay: replay}, start)
	return m, replay, start
}

func TestReplayReproducesKlines(t *testing.T) {
	m, replay, start := replayMarket(t)
	if p, _ := m.Price("BTCUSDT"); !p.Equal(dec("100")) {
		t.Fatalf("replay starts at %s, want the first open 100", p)
	}
	m.Advance(start.Add(3*time.Minute - time.Second))
	ks, _ := m.Klines("BTCUSDT", "1m", start, time.Time{}, 0)
	if len(ks) != 3 {
		t.Fatalf("%d klines", len(ks))
	}
	for i, want := range replay["BTCUSDT"] {
		got := ks[i]
		if !got.Open.Equal(want.Open) || !got.High.Equal(want.High) || !got.Low.Equal(want.Low) || !got.Close.Equal(want.Close) {
			t.Errorf("kline %d: %s %s %s %s, replay %s %s %s %s", i, got.Open, got.High, got.Low, got.Close, want.Open, want.High, want.Low, want.Close)
		}
		if lo, hi := want.Volume.Mul(dec("0.5")), want.Volume.Mul(dec("1.5")); got.Volume.LessThan(lo) || got.Volume.GreaterThan(hi) {
			t.Errorf("kline %d: volume %s, replay %s", i, got.Volume, want.Volume)
		}
	}
	// The other symbol still follows its GBM.
	if eth, _ := m.Klines("ETHUSDT", "1m", start, time.Time{}, 0); len(eth) != 3 || eth[2].Close.Equal(eth[0].Open) {
		t.Fatalf("ETHUSDT klines %v", eth)
	}
}

func TestReplayLoops(t *testing.T) {
	m, _, start := replayMarket(t)
	m.Advance(start.Add(3 * time.Minute))
	if p, _ := m.Price("BTCUSDT"); !p.Equal(dec("100")) {
		t.Fatalf("after the last kline the price is %s, want the first open again", p)
	}
	m.Advance(start.Add(4*time.Minute - time.Second))
	if p, _ := m.Price("BTCUSDT"); !p.Equal(dec("101")) {
		t.Fatalf("end of the second pass of kline 0 at %s, want 101", p)
	}
}

func TestReplaySetPriceScalesThePath(t *testing.T) {
	m, _, start := replayMarket(t)
	m.Advance(start.Add(30 * time.Second))
	base, _ := m.Price("BTCUSDT")
	if _, err := m.SetPrice("BTCUSDT", base.Mul(dec("2")), start.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	m.Advance(start.Add(59 * time.Second))
	p, _ := m.Price("BTCUSDT")
	if p.Sub(dec("202")).Abs().GreaterThan(dec("0.5")) {
		t.Fatalf("kline 0 closes at %s after doubling, want about 202", p)
	}
}

func TestParseReplayCSV(t *testing.T) {
	in := "Volume, OPEN_TIME ,symbol,open,high,low,close,trades\n" +
		"1.5,1704067200000,BTCUSDT,100,101,99,100.5,7\n" +
		"\n" +
		"2,60000,ETHUSDT,3000,3010,2990,3005,1\n" +
		"0,1704067260000,BTCUSDT,100.5,100.5,100.5,100.5,0\n" +
		"3,1704067500000,BTCUSDT,100.5,102,100,101,9\n"
	got, err := ParseReplayCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	btc, eth := got["BTCUSDT"], got["ETHUSDT"]
	if len(got) != 2 || len(btc) != 3 || len(eth) != 1 {
		t.Fatalf("parsed %v", got)
	}
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	wantTimes := []struct{ open, close time.Time }{
		{ms(1704067200000), ms(1704067260000 - 1)},
		{ms(1704067260000), ms(1704067500000 - 1)},
		{ms(1704067500000), ms(1704067500000 + 240000 - 1)}, // as long as the one before
	}
	for i, w := range wantTimes {
		if !btc[i].OpenTime.Equal(w.open) || !btc[i].CloseTime.Equal(w.close) {
			t.Errorf("BTCUSDT kline %d: %v-%v, want %v-%v", i, btc[i].OpenTime, btc[i].CloseTime, w.open, w.close)
		}
	}
	if k := btc[0]; !k.Open.Equal(dec("100")) || !k.High.Equal(dec("101")) || !k.Low.Equal(dec("99")) || !k.Close.Equal(dec("100.5")) || !k.Volume.Equal(dec("1.5")) || !k.Closed {
		t.Errorf("BTCUSDT kline 0 %+v", k)
	}
	if !eth[0].CloseTime.Equal(ms(60000 + 60000 - 1)) {
		t.Errorf("a lone kline lasts %v", eth[0].CloseTime.Sub(eth[0].OpenTime))
	}
}

func TestParseReplayCSVErrors(t *testing.T) {
	const header = "symbol,open_time,open,high,low,close,volume\n"
	row := func(fields string) string { return header + "BTCUSDT,1000,1,2,1,1,1\n" + fields + "\n" }
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty file"},
		{"missing column", "symbol,open_time,open,high,low,close\nBTCUSDT,1,1,1,1,1\n", `line 1: missing column "volume"`},
		{"header only", header, "no klines"},
		{"bad decimal", row("BTCUSDT,2000,1,abc,1,1,1"), `line 3: high "abc": not a decimal number`},
		{"zero price", row("BTCUSDT,2000,0,1,1,1,1"), "line 3: open 0: must be positive"},
		{"negative volume", row("BTCUSDT,2000,1,1,1,1,-1"), "line 3: volume -1: must not be negative"},
		{"high below close", row("BTCUSDT,2000,1,1.5,1,2,1"), "line 3: high 1.5 and low 1 do not contain"},
		{"low above open", row("BTCUSDT,2000,1,3,1.5,2,1"), "line 3: high 3 and low 1.5 do not contain"},
		{"time not increasing", row("BTCUSDT,1000,1,1,1,1,1"), "line 3: BTCUSDT open_time 1000 is not after"},
		{"lower-case symbol", row("btcusdt,2000,1,1,1,1,1"), `line 3: symbol "btcusdt"`},
		{"empty symbol", row(",2000,1,1,1,1,1"), `line 3: symbol ""`},
		{"short row", row("BTCUSDT,2000,1,1,1"), "line 3: missing close"},
		{"fractional time", row("BTCUSDT,2000.5,1,1,1,1,1"), `line 3: open_time "2000.5"`},
		{"negative time", header + "BTCUSDT,-5,1,1,1,1,1\n", `line 2: open_time "-5"`},
		{"broken quoting", row(`BTCUSDT,"2000,1,1,1,1,1`), "line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReplayCSV(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("accepted, got %v", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	good := func() Config { return twoSymbolConfig() }
	replay, _ := ParseReplayCSV(strings.NewReader(replayCSV))
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"tick too short", func(c *Config) { c.Tick = time.Microsecond }, "tick"},
		{"tick too long", func(c *Config) { c.Tick = 2 * time.Hour }, "tick"},
		{"negative history", func(c *Config) { c.History = -time.Hour }, "history"},
		{"history too long", func(c *Config) { c.History = MaxHistory + time.Hour }, "history"},
		{"no symbols", func(c *Config) { c.Symbols = nil }, "no symbols"},
		{"duplicate", func(c *Config) { c.Symbols = append(c.Symbols, c.Symbols[0]) }, "twice"},
		{"empty name", func(c *Config) { c.Symbols[0].Symbol = "" }, "empty name"},
		{"zero tick size", func(c *Config) { c.Symbols[0].TickSize = dec("0") }, "tick size"},
		{"negative step", func(c *Config) { c.Symbols[0].StepSize = dec("-1") }, "step size"},
		{"negative mean trade", func(c *Config) { c.Symbols[0].MeanTradeQty = dec("-1") }, "mean trade"},
		{"huge mean trade", func(c *Config) { c.Symbols[0].MeanTradeQty = dec("1e20") }, "mean trade"},
		{"negative volatility", func(c *Config) { c.Symbols[0].Volatility = -0.1 }, "volatility"},
		{"infinite drift", func(c *Config) { c.Symbols[0].Drift = 1 / zero() }, "drift"},
		{"zero start price", func(c *Config) { c.Symbols[0].StartPrice = dec("0") }, "start price"},
		{"start below a tick", func(c *Config) { c.Symbols[0].StartPrice = dec("0.004") }, "start price"},
		{"replay of an unknown symbol", func(c *Config) { c.Replay = map[string][]Kline{"SOLUSDT": replay["BTCUSDT"]} }, "not in Symbols"},
		{"empty replay", func(c *Config) { c.Replay = map[string][]Kline{"BTCUSDT": {}} }, "no klines"},
		{"replay out of order", func(c *Config) {
			ks := replay["BTCUSDT"]
			c.Replay = map[string][]Kline{"BTCUSDT": {ks[1], ks[0]}}
		}, "kline 1: open time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.change(&cfg)
			_, err := New(cfg, testStart)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one about %q", err, tt.want)
			}
		})
	}
	// Defaults: tick 1s, history 24h, mean trade 100 steps; a replayed
	// symbol needs no start price.
	cfg := good()
	cfg.Symbols[0].MeanTradeQty = dec("0")
	cfg.Symbols[0].StartPrice = dec("0")
	cfg.Replay = map[string][]Kline{"BTCUSDT": replay["BTCUSDT"]}
	m, err := New(cfg, testStart)
	if err != nil {
		t.Fatal(err)
	}
	ups := m.Advance(testStart.Add(2 * time.Second))
	if len(ups) != 4 {
		t.Fatalf("%d updates in 2s, want a step per second per symbol", len(ups))
	}
	if q := m.byName["BTCUSDT"].p.MeanTradeQty; !q.Equal(dec("0.001")) {
		t.Fatalf("default mean trade %s", q)
	}
	if secs, _ := m.Klines("DOGEUSDT", "1h", time.Time{}, time.Time{}, 0); len(secs) != 25 {
		t.Fatalf("%d 1h klines, want 24h of history", len(secs))
	}
}

func zero() float64 { return 0 }
