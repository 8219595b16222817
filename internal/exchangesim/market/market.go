package market

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Catch-up bounds of Advance: at most the last FineCatchUp of a gap (and
// at most MaxFineSteps steps, but always two ticks) is generated trade by
// trade; anything older is generated as bars (see segment).
const (
	FineCatchUp  = 10 * time.Minute
	MaxFineSteps = 3600
)

// Market holds every symbol's price path and everything derived from it.
// It is safe for concurrent use; all methods take the time as an argument.
type Market struct {
	mu       sync.RWMutex
	startNs  int64
	tickNs   int64
	nowNs    int64 // the latest Advance
	windowNs int64 // see FineCatchUp
	symbols  []*symbol
	byName   map[string]*symbol
}

// New builds a market whose clock starts at start, with cfg.History of
// past trades and klines already generated. The same Config, start and
// sequence of Advance and SetPrice calls always give identical trades,
// klines and tickers.
func New(cfg Config, start time.Time) (*Market, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tickNs := cfg.Tick.Nanoseconds()
	m := &Market{
		startNs:  start.UnixNano(),
		tickNs:   tickNs,
		nowNs:    start.UnixNano(),
		windowNs: max(min(FineCatchUp.Nanoseconds(), MaxFineSteps*tickNs), 2*tickNs),
		byName:   make(map[string]*symbol, len(cfg.Symbols)),
	}
	for _, p := range cfg.Symbols {
		s := newSymbol(p, cfg.Seed, m.startNs, tickNs)
		startTicks := p.StartPrice.Div(p.TickSize).Round(0).IntPart()
		if klines := cfg.Replay[p.Symbol]; len(klines) > 0 {
			startTicks = min(max(klines[0].Open.Div(p.TickSize).Round(0).IntPart(), 1), maxPriceTicks)
		}
		s.generateHistory(cfg.History.Nanoseconds(), startTicks)
		if klines := cfg.Replay[p.Symbol]; len(klines) > 0 {
			s.replay = newReplayPath(klines)
		}
		m.symbols = append(m.symbols, s)
		m.byName[p.Symbol] = s
	}
	slices.SortFunc(m.symbols, func(a, b *symbol) int { return strings.Compare(a.p.Symbol, b.p.Symbol) })
	return m, nil
}

// Advance runs every price step of every symbol up to now and returns one
// Update per symbol per step, in time order (symbols by name within a
// step). It does nothing if now is not after the previous Advance. The
// result does not depend on how time is chunked into calls as long as no
// call covers more than the fine catch-up window (see FineCatchUp); a
// longer gap is generated as bars without Updates, except for its end.
func (m *Market) Advance(now time.Time) []Update {
	nowNs := now.UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	if nowNs <= m.nowNs {
		return nil
	}
	m.nowNs = nowNs
	firstK := int64(math.MaxInt64)
	for _, s := range m.symbols {
		s.catchUp(nowNs, m.windowNs)
		firstK = min(firstK, s.nextK)
	}
	lastK := floorDiv(nowNs-m.startNs, m.tickNs)
	var updates []Update
	for k := firstK; k <= lastK; k++ {
		for _, s := range m.symbols {
			if s.nextK == k {
				updates = append(updates, s.fineStep(s.stepTime(k), 0, true))
				s.nextK++
			}
		}
	}
	for _, s := range m.symbols {
		s.clockNs = max(s.clockNs, nowNs)
		s.settle(floorDiv(s.clockNs, nsMs))
	}
	return updates
}

// catchUp generates the part of a long gap before the fine window as bars.
func (s *symbol) catchUp(nowNs, windowNs int64) {
	cut := floorDiv(nowNs-windowNs, nsMinute) * nsMinute
	if cut <= s.pathNs {
		return
	}
	for g := range planCoarse(s.pathNs, cut, nowNs) {
		s.coarse(g)
	}
	s.pathNs = cut
	s.nextK = max(s.nextK, ceilDiv(cut-s.startNs, s.tickNs))
}

// SetPrice is the admin override: one trade at price (rounded to the tick)
// happens now, and the path continues from it (a replay continues scaled
// by the same factor). Steps of the symbol between its last step and now
// are skipped; a now before the symbol's clock is taken as its clock.
func (m *Market) SetPrice(symbol string, price decimal.Decimal, now time.Time) (Update, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byName[symbol]
	if !ok {
		return Update{}, apierr.InvalidSymbol()
	}
	ticks := price.Div(s.tick).Round(0)
	if ticks.Sign() <= 0 || ticks.GreaterThan(decimal.NewFromInt(maxPriceTicks)) {
		return Update{}, apierr.BadParam("Illegal price: it must be positive and at least one tick.")
	}
	tk := ticks.IntPart()
	tNs := max(now.UnixNano(), s.clockNs, s.pathNs)
	if s.replay != nil {
		if base := s.replay.priceAt(tNs-s.startNs, s.tickNs); base > 0 {
			s.replayScale = float64(tk) * s.tickF / base
		}
	}
	s.px = float64(tk) * s.tickF
	t := storedTrade{
		id:           s.nextID,
		ms:           floorDiv(tNs, nsMs),
		ticks:        tk,
		steps:        max(1, int64(s.meanSteps+0.5)),
		buyerIsMaker: tk < s.lastTicks, // a drop is a seller hitting bids
	}
	s.record(t)
	s.pathNs, s.clockNs = tNs, tNs
	s.nextK = max(s.nextK, floorDiv(tNs-s.startNs, s.tickNs)+1)
	s.settle(t.ms)
	return Update{Symbol: symbol, Price: s.price(tk), Trades: []Trade{s.publicTrade(t)}, Time: time.UnixMilli(t.ms).UTC()}, nil
}

// Price is the symbol's last trade price.
func (m *Market) Price(symbol string) (decimal.Decimal, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.byName[symbol]
	if !ok {
		return decimal.Decimal{}, false
	}
	return s.price(s.lastTicks), true
}

// Symbols lists the symbols, sorted by name.
func (m *Market) Symbols() []string {
	names := make([]string, len(m.symbols))
	for i, s := range m.symbols {
		names[i] = s.p.Symbol
	}
	return names
}

// RecentTrades returns the symbol's newest trades, oldest first: limit
// defaults to 500 and is capped at 1000 (at most KeepTrades are kept).
func (m *Market) RecentTrades(symbol string, limit int) ([]Trade, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.byName[symbol]
	if !ok {
		return nil, apierr.InvalidSymbol()
	}
	n := min(clampLimit(limit), s.trades.len())
	out := make([]Trade, 0, n)
	for i := s.trades.len() - n; i < s.trades.len(); i++ {
		out = append(out, s.publicTrade(s.trades.at(i)))
	}
	return out, nil
}

// clampLimit applies Binance's limit rule: default 500, max 1000.
func clampLimit(limit int) int {
	if limit <= 0 {
		return 500
	}
	return min(limit, 1000)
}

// lookup returns a symbol or Binance's -1121.
func (m *Market) lookup(symbol string) (*symbol, error) {
	if s, ok := m.byName[symbol]; ok {
		return s, nil
	}
	return nil, apierr.InvalidSymbol()
}
