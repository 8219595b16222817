package exchangesim

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/limits"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/streams"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/wsapi"
)

// Simulator is the exchange simulator. It is an http.Handler; New starts
// no goroutines, Run drives the market in real time, Step drives it from
// tests, and Close stops everything.
type Simulator struct {
	cfg Config

	engine  *matching.Engine
	limiter *limits.Limiter
	streams *streams.Server
	wsapi   *wsapi.Server

	market *market.Market
	// stepMu keeps each price change (a Step or an admin override) and the
	// engine's reaction to it together, so books follow the market in order.
	stepMu sync.Mutex

	accounts      *registry
	startAccounts []AccountSpec // demo, file and Config accounts, created again by reset

	faults      atomic.Pointer[Faults]
	clockOffset atomic.Int64 // milliseconds added to cfg.Now for the server's clock
	dice        *dice

	stats  *counters
	routes map[string]map[string]*route
	info   exchangeInfoCache

	cancelIDs atomic.Int64 // numbers generated cancel client order ids

	done      chan struct{}
	closeOnce sync.Once
}

// New builds a simulator from cfg. It reads ReplayFile and AccountsFile,
// generates the market history and creates the start accounts.
func New(cfg Config) (*Simulator, error) {
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("exchangesim: %w", err)
	}
	s := &Simulator{
		cfg:      cfg,
		accounts: newRegistry(),
		dice:     newDice(cfg.Seed),
		done:     make(chan struct{}),
	}
	s.faults.Store(&Faults{})

	specs := make([]matching.SymbolSpec, len(cfg.Symbols))
	for i, sc := range cfg.Symbols {
		specs[i] = sc.Spec
	}
	engine, err := matching.New(matching.Config{Symbols: specs, CommissionRate: cfg.CommissionRate, Now: s.serverNow})
	if err != nil {
		return nil, fmt.Errorf("exchangesim: matching engine: %w", err)
	}
	s.engine = engine

	mkt, err := newMarket(cfg)
	if err != nil {
		return nil, err
	}
	s.market = mkt
	for _, sym := range mkt.Symbols() {
		price, _ := mkt.Price(sym)
		if _, err := engine.SetPrice(sym, price); err != nil {
			return nil, fmt.Errorf("exchangesim: start price of %s: %w", sym, err)
		}
	}

	s.limiter = limits.New(limits.Config{
		WeightPerMinute:  cfg.WeightLimit,
		RawRequestsPer5m: cfg.RawRequestLimit,
		OrdersPer10s:     cfg.OrderLimit10s,
		OrdersPerDay:     cfg.OrderLimitDay,
		BanBase:          cfg.scaledBan(firstBanLength),
		BanMax:           cfg.scaledBan(longestBan),
		Now:              cfg.Now,
	})
	s.streams = streams.New(streams.Config{
		PingInterval: cfg.WSPingInterval,
		PongTimeout:  cfg.WSPongTimeout,
		MaxLifetime:  cfg.WSMaxLifetime,
		Now:          s.serverNow,
		Symbols:      mkt.Symbols(),
	})
	s.wsapi = wsapi.New(wsapi.Config{
		Keys:         s.lookupKey,
		Now:          s.serverNow,
		Limits:       s.limiter,
		PingInterval: cfg.WSPingInterval,
		PongTimeout:  cfg.WSPongTimeout,
		MaxLifetime:  cfg.WSMaxLifetime,
	})

	s.startAccounts = []AccountSpec{DemoAccount()}
	if cfg.AccountsFile != "" {
		fromFile, err := LoadAccountsFile(cfg.AccountsFile)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("exchangesim: %w", err)
		}
		s.startAccounts = append(s.startAccounts, fromFile...)
	}
	s.startAccounts = append(s.startAccounts, cfg.Accounts...)
	if err := s.createStartAccounts(); err != nil {
		s.Close()
		return nil, err
	}

	s.routes = s.buildRoutes()
	paths := make([]string, 0, len(s.routes))
	for p := range s.routes {
		paths = append(paths, p)
	}
	s.stats = newCounters(paths)
	s.info = newExchangeInfoCache(engine.Symbols())
	return s, nil
}

// newMarket builds the market from the symbol configs and the replay file.
func newMarket(cfg Config) (*market.Market, error) {
	mc := market.Config{Seed: cfg.Seed, Tick: cfg.Tick, History: cfg.History}
	for _, sc := range cfg.Symbols {
		mc.Symbols = append(mc.Symbols, market.SymbolParams{
			Symbol:       sc.Spec.Symbol,
			StartPrice:   sc.StartPrice,
			TickSize:     sc.Spec.TickSize,
			StepSize:     sc.Spec.StepSize,
			Volatility:   sc.Volatility,
			Drift:        sc.Drift,
			MeanTradeQty: sc.MeanTradeQty,
		})
	}
	if cfg.ReplayFile != "" {
		f, err := os.Open(cfg.ReplayFile)
		if err != nil {
			return nil, fmt.Errorf("exchangesim: replay file: %w", err)
		}
		defer f.Close()
		replay, err := market.ParseReplayCSV(f)
		if err != nil {
			return nil, fmt.Errorf("exchangesim: replay file %s: %w", cfg.ReplayFile, err)
		}
		mc.Replay = replay
	}
	m, err := market.New(mc, cfg.Now())
	if err != nil {
		return nil, fmt.Errorf("exchangesim: market: %w", err)
	}
	return m, nil
}

// createStartAccounts creates the demo account and the configured ones.
func (s *Simulator) createStartAccounts() error {
	for _, spec := range s.startAccounts {
		if _, err := s.upsertAccount(spec); err != nil {
			return fmt.Errorf("exchangesim: %s: %w", spec, err)
		}
	}
	return nil
}

// upsertAccount creates or replaces an account and its balances.
func (s *Simulator) upsertAccount(spec AccountSpec) (accountEntry, error) {
	key, err := spec.key()
	if err != nil {
		return accountEntry{}, err
	}
	entry := s.accounts.put(key)
	s.engine.UpsertAccount(entry.id, spec.Balances)
	return entry, nil
}

// lookupKey resolves an API key for the WebSocket API.
func (s *Simulator) lookupKey(apiKey string) (auth.Key, string, bool) {
	e, ok := s.accounts.lookup(apiKey)
	return e.key, e.id, ok
}

// serverNow is the server's clock: the configured clock plus the injected
// clock offset.
func (s *Simulator) serverNow() time.Time {
	now := s.cfg.Now()
	if off := s.clockOffset.Load(); off != 0 {
		now = now.Add(time.Duration(off) * time.Millisecond)
	}
	return now
}

func (s *Simulator) currentFaults() Faults { return *s.faults.Load() }

// ServeHTTP serves the REST API under /api/, the streams under /ws/ and
// /stream, the WebSocket API at /ws-api/v3 and the admin API under /sim/v1/.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/api/"):
		s.serveREST(w, r)
	case strings.HasPrefix(path, "/sim/v1/"):
		s.serveAdmin(w, r)
	case path == "/ws-api/v3":
		s.wsapi.ServeHTTP(w, r)
	case strings.HasPrefix(path, "/ws/") || path == "/stream":
		s.streams.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Close closes every WebSocket connection and makes Run return. It is safe
// to call more than once.
func (s *Simulator) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.streams != nil {
			s.streams.Close()
		}
		if s.wsapi != nil {
			s.wsapi.Close()
		}
	})
}
