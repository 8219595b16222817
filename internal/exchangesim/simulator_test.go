package exchangesim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// get serves one request through the handler without a network.
func get(t testing.TB, h http.Handler, target string) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func TestDeterminism(t *testing.T) {
	run := func(seed int64) string {
		clock := newFrozenClock()
		cfg := smallConfig(clock)
		cfg.Seed = seed
		sim, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		for i := 1; i <= 150; i++ {
			sim.Step(testStart.Add(time.Duration(i) * time.Second))
		}
		return string(get(t, sim, "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=100")) +
			string(get(t, sim, "/api/v3/trades?symbol=ETHUSDT&limit=50")) +
			string(get(t, sim, "/api/v3/depth?symbol=SOLUSDT&limit=10"))
	}
	a, b, other := run(7), run(7), run(8)
	if a != b {
		t.Fatal("the same seed gave different klines, trades or depth")
	}
	if a == other {
		t.Fatal("different seeds gave the same market")
	}
}

func TestStepMovesPricesAndKlines(t *testing.T) {
	clock := newFrozenClock()
	sim, err := New(smallConfig(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var before []priceJSON
	if err := json.Unmarshal(get(t, sim, "/api/v3/ticker/price"), &before); err != nil {
		t.Fatal(err)
	}
	sim.Step(testStart.Add(90 * time.Second))
	var after []priceJSON
	if err := json.Unmarshal(get(t, sim, "/api/v3/ticker/price"), &after); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for i := range before {
		if before[i].Price != after[i].Price {
			moved++
		}
	}
	if moved == 0 {
		t.Fatalf("90 s of steps moved no price: %v", after)
	}
	var klines [][]any
	if err := json.Unmarshal(get(t, sim, "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2"), &klines); err != nil {
		t.Fatal(err)
	}
	if last := klines[len(klines)-1]; int64(last[0].(float64)) != testStart.Add(time.Minute).UnixMilli() {
		t.Fatalf("the newest kline opens at %v, want %v", last[0], testStart.Add(time.Minute).UnixMilli())
	}
	// The engine's book follows the market.
	mid, _ := sim.engine.Price("BTCUSDT")
	last, _ := sim.market.Price("BTCUSDT")
	if !mid.Equal(last) {
		t.Fatalf("engine mid %s, market price %s", mid, last)
	}
}

func TestRunStopsOnCancelAndClose(t *testing.T) {
	clock := newRunningClock()
	cfg := smallConfig(clock)
	cfg.Tick = 5 * time.Millisecond
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	go func() { done <- sim.Run(t.Context()) }()
	sim.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run after Close: %v", err)
	}
	sim.Close() // twice is fine
}

func TestNewRejectsBadConfig(t *testing.T) {
	dup := DefaultConfig()
	dup.Symbols = append(dup.Symbols, dup.Symbols[0])
	tests := map[string]func(*Config){
		"tick":          func(c *Config) { c.Tick = time.Microsecond },
		"history":       func(c *Config) { c.History = -time.Hour },
		"weight":        func(c *Config) { c.WeightLimit = -1 },
		"ban scale":     func(c *Config) { c.BanScale = -1 },
		"commission":    func(c *Config) { c.CommissionRate = decimal.NewFromInt(2) },
		"duplicate":     func(c *Config) { c.Symbols = dup.Symbols },
		"start price":   func(c *Config) { c.Symbols = []SymbolConfig{{Spec: dup.Symbols[0].Spec}} },
		"accounts file": func(c *Config) { c.AccountsFile = filepath.Join(t.TempDir(), "missing.json") },
		"replay file":   func(c *Config) { c.ReplayFile = filepath.Join(t.TempDir(), "missing.csv") },
		"account":       func(c *Config) { c.Accounts = []AccountSpec{{APIKey: "k"}} },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := smallConfig(newFrozenClock())
			mutate(&cfg)
			if sim, err := New(cfg); err == nil {
				sim.Close()
				t.Fatal("New accepted the config")
			}
		})
	}
}

func TestAccountsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.json")
	data := `[{"apiKey": "file-key", "secretKey": "file-secret", "balances": {"USDT": "250", "BNB": "4"}}]`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.AccountsFile = path })
	acct, err := e.client("file-key", "file-secret", "").NewGetAccountService().Do(t.Context())
	if err != nil || len(acct.Balances) != 2 || acct.Balances[0].Asset != "BNB" {
		t.Fatalf("file account: %v %+v", err, acct)
	}
	e.mustAdmin(http.MethodPost, "/sim/v1/reset", nil)
	if _, err := e.client("file-key", "file-secret", "").NewGetAccountService().Do(t.Context()); err != nil {
		t.Fatalf("file account after reset: %v", err)
	}

	for _, bad := range []string{`{}`, `[{"apiKey": "k"}]`, `[{"apiKey": "k", "secretKey": "s", "x": 1}]`} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadAccountsFile(path); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestDefaultsAndSymbolSelection(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.Listen != "127.0.0.1:18090" || cfg.WeightLimit != 6000 || cfg.OrderLimit10s != 100 || cfg.Tick != time.Second ||
		cfg.BanScale != 1 || len(cfg.Symbols) != 8 {
		t.Fatalf("DefaultConfig = %+v", cfg)
	}
	specs, prices := DefaultSymbols(), DefaultStartPrices()
	for _, s := range specs {
		p, ok := prices[s.Symbol]
		if !ok || !p.Mod(s.TickSize).IsZero() || s.QuoteAsset != "USDT" || !s.MinNotional.IsPositive() {
			t.Errorf("%s: start price %s tick %s", s.Symbol, p, s.TickSize)
		}
	}
	got, err := SelectSymbols("ethusdt, BTCUSDT=70000.555")
	if err != nil || len(got) != 2 || got[0].Spec.Symbol != "ETHUSDT" || got[1].StartPrice.String() != "70000.56" {
		t.Fatalf("SelectSymbols: %v %+v", err, got)
	}
	for _, bad := range []string{"", "FOOUSDT", "BTCUSDT,BTCUSDT", "BTCUSDT=-1", "BTCUSDT=abc"} {
		if _, err := SelectSymbols(bad); err == nil {
			t.Errorf("SelectSymbols(%q) accepted", bad)
		}
	}
	if !strings.HasPrefix(DemoAPIKey, "simdemo") || len(DemoAPIKey) != 64 || len(DemoSecretKey) != 64 {
		t.Fatalf("demo key %q", DemoAPIKey)
	}
}

func TestServeHTTPRouting(t *testing.T) {
	sim, err := New(smallConfig(newFrozenClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("/: %d", rec.Code)
	}
	// A plain GET on the stream path is not a WebSocket upgrade.
	rec = httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ws/btcusdt@trade", nil))
	if rec.Code < 400 {
		t.Fatalf("/ws/ without upgrade: %d", rec.Code)
	}
}
