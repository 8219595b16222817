package signal

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
)

var storeBase = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// at is storeBase plus m minutes.
func at(m int) time.Time { return storeBase.Add(time.Duration(m) * time.Minute) }

// sig is a signal on the one-minute kline that opens m minutes after
// storeBase.
func sig(symbol string, side Side, m int) Signal {
	return Signal{
		Symbol:     symbol,
		Side:       side,
		Confidence: 0.5,
		Price:      decimal.NewFromInt(int64(100 + m)),
		KlineOpen:  at(m),
		KlineClose: at(m + 1).Add(-time.Millisecond),
		Strategy:   "rsi",
	}.WithReason("rsi 25.0 < 30")
}

// minutes renders entries as "SYMBOL/SIDE@m" so a failure reads at a glance.
func minutes(es []Entry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		m := int(e.Signal.KlineOpen.Sub(storeBase) / time.Minute)
		out = append(out, fmt.Sprintf("%s/%s@%d", e.Signal.Symbol, e.Signal.Side, m))
	}
	return out
}

func all(st *Store) []Entry {
	var out []Entry
	for _, last := range st.LastPerSymbol() {
		out = append(out, st.Symbol(last.Signal.Symbol, time.Time{})...)
	}
	return out
}

func TestPut(t *testing.T) {
	type put struct {
		s     Signal
		isNew bool
	}
	tests := []struct {
		name    string
		opts    StoreOptions
		puts    []put
		want    []string // every entry, by symbol then oldest first
		evicted int64
	}{
		{
			name: "new signals, kept oldest first whatever the order put",
			puts: []put{
				{sig("BTCUSDT", Buy, 5), true},
				{sig("BTCUSDT", Sell, 2), true},
				{sig("ETHUSDT", Buy, 1), true},
				{sig("BTCUSDT", Buy, 9), true},
			},
			want: []string{"BTCUSDT/SELL@2", "BTCUSDT/BUY@5", "BTCUSDT/BUY@9", "ETHUSDT/BUY@1"},
		},
		{
			name: "the same ID replaces",
			puts: []put{
				{sig("BTCUSDT", Buy, 5), true},
				{sig("BTCUSDT", Buy, 5), false},
			},
			want: []string{"BTCUSDT/BUY@5"},
		},
		{
			name: "both sides of one kline are two entries, ordered by ID",
			puts: []put{
				{sig("BTCUSDT", Sell, 5), true},
				{sig("BTCUSDT", Buy, 5), true},
			},
			want: []string{"BTCUSDT/BUY@5", "BTCUSDT/SELL@5"},
		},
		{
			name: "beyond MaxPerSymbol the oldest kline goes",
			opts: StoreOptions{MaxPerSymbol: 2},
			puts: []put{
				{sig("BTCUSDT", Buy, 1), true},
				{sig("BTCUSDT", Buy, 3), true},
				{sig("ETHUSDT", Buy, 0), true},
				{sig("BTCUSDT", Buy, 2), true},
			},
			want:    []string{"BTCUSDT/BUY@2", "BTCUSDT/BUY@3", "ETHUSDT/BUY@0"},
			evicted: 1,
		},
		{
			name: "a signal older than a full symbol's is evicted at once",
			opts: StoreOptions{MaxPerSymbol: 2},
			puts: []put{
				{sig("BTCUSDT", Buy, 2), true},
				{sig("BTCUSDT", Buy, 3), true},
				{sig("BTCUSDT", Buy, 1), true},
			},
			want:    []string{"BTCUSDT/BUY@2", "BTCUSDT/BUY@3"},
			evicted: 1,
		},
		{
			name: "beyond MaxSymbols the symbol whose newest signal is oldest goes",
			opts: StoreOptions{MaxSymbols: 2},
			puts: []put{
				{sig("AAA", Buy, 1), true},
				{sig("AAA", Buy, 9), true},
				{sig("BBB", Buy, 5), true},
				{sig("CCC", Buy, 7), true},
			},
			want:    []string{"AAA/BUY@1", "AAA/BUY@9", "CCC/BUY@7"},
			evicted: 1,
		},
		{
			name: "a new symbol older than all others is evicted at once",
			opts: StoreOptions{MaxSymbols: 2},
			puts: []put{
				{sig("AAA", Buy, 5), true},
				{sig("BBB", Buy, 5), true},
				{sig("CCC", Buy, 1), true},
			},
			want:    []string{"AAA/BUY@5", "BBB/BUY@5"},
			evicted: 1,
		},
		{
			name: "between equally stale symbols the first by name goes, with all its entries",
			opts: StoreOptions{MaxSymbols: 2},
			puts: []put{
				{sig("BBB", Buy, 1), true},
				{sig("BBB", Sell, 5), true},
				{sig("AAA", Buy, 5), true},
				{sig("CCC", Buy, 5), true},
			},
			want:    []string{"BBB/BUY@1", "BBB/SELL@5", "CCC/BUY@5"},
			evicted: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(tt.opts)
			for i, p := range tt.puts {
				e, isNew := st.Put(p.s)
				if isNew != p.isNew {
					t.Fatalf("put %d: new = %v, want %v", i, isNew, p.isNew)
				}
				if !reflect.DeepEqual(e.Signal, p.s) {
					t.Fatalf("put %d: returned signal %+v, want %+v", i, e.Signal, p.s)
				}
			}
			if got := minutes(all(st)); !slices.Equal(got, tt.want) {
				t.Fatalf("held %v, want %v", got, tt.want)
			}
			if got := st.Len(); got != len(tt.want) {
				t.Fatalf("Len() = %d, want %d", got, len(tt.want))
			}
			if got := st.Counts().Evicted; got != tt.evicted {
				t.Fatalf("Evicted = %d, want %d", got, tt.evicted)
			}
		})
	}
}

func TestPutReplaceKeepsBookkeeping(t *testing.T) {
	clk := clock.NewFake(storeBase)
	st := NewStore(StoreOptions{Now: clk.Now})
	first := sig("BTCUSDT", Buy, 5)
	e, _ := st.Put(first)
	if e.State != StateNew || !e.Recorded.Equal(storeBase) {
		t.Fatalf("a new entry is %q recorded %v, want %q recorded %v", e.State, e.Recorded, StateNew, storeBase)
	}
	st.Update(first.ID(), func(e *Entry) { e.State, e.Note = StateActed, "order 42" })

	clk.Advance(time.Minute)
	again := first.WithReason("recomputed")
	again.Confidence = 0.75
	e, isNew := st.Put(again)
	want := Entry{Signal: again, Recorded: storeBase, State: StateActed, Note: "order 42"}
	if isNew || !reflect.DeepEqual(e, want) {
		t.Fatalf("replacing put returned %+v new=%v, want %+v new=false", e, isNew, want)
	}
	if got, _ := st.Get(first.ID()); !reflect.DeepEqual(got, want) {
		t.Fatalf("Get after replacing put = %+v, want %+v", got, want)
	}
	if c := st.Counts(); c.Total != 1 || c.Buy != 1 {
		t.Fatalf("a replacement was counted: %+v", c)
	}
}

func TestPutBatch(t *testing.T) {
	batch := []Signal{
		sig("BTCUSDT", Buy, 3),
		sig("ETHUSDT", Sell, 1),
		sig("BTCUSDT", Buy, 1),
		sig("BTCUSDT", Buy, 2),
		sig("BTCUSDT", Buy, 3), // a repeat within the batch
		sig("SOLUSDT", Buy, 0),
	}
	batch[4] = batch[4].WithReason("the later one wins")
	opts := StoreOptions{MaxPerSymbol: 2, MaxSymbols: 2, Now: clock.NewFake(storeBase).Now}

	got := NewStore(opts)
	if n := got.PutBatch(batch); n != 5 {
		t.Fatalf("PutBatch = %d new, want 5", n)
	}
	want := NewStore(opts)
	for _, s := range batch {
		want.Put(s)
	}
	if !reflect.DeepEqual(all(got), all(want)) || got.Counts() != want.Counts() {
		t.Fatalf("PutBatch held %v %+v; Put one by one held %v %+v",
			minutes(all(got)), got.Counts(), minutes(all(want)), want.Counts())
	}
	if e, _ := got.Get(batch[4].ID()); e.Signal.Reason() != "the later one wins" {
		t.Fatalf("repeat in batch: reason %q", e.Signal.Reason())
	}
	if n := got.PutBatch(nil); n != 0 {
		t.Fatalf("PutBatch(nil) = %d", n)
	}
}

// TestPutPreparedAt puts one prepared signal into two stores, as a feed
// does: each keeps its own entry, recorded at the time given.
func TestPutPreparedAt(t *testing.T) {
	s := sig("BTCUSDT", Buy, 5)
	p := Prepare(s)
	if !reflect.DeepEqual(p.Signal(), s) {
		t.Fatalf("Prepare(s).Signal() = %+v, want %+v", p.Signal(), s)
	}
	a, b := NewStore(StoreOptions{MaxPerSymbol: 2}), NewStore(StoreOptions{MaxPerSymbol: 2})
	now := at(6)
	for _, st := range []*Store{a, b} {
		if !st.PutPreparedAt(p, now) {
			t.Fatalf("the first put was not new")
		}
		if st.PutPreparedAt(p, now.Add(time.Minute)) {
			t.Fatalf("putting it again was new")
		}
	}
	a.Update(s.ID(), func(e *Entry) { e.State = StateActed })
	want := Entry{Signal: s, Recorded: now, State: StateNew}
	if got, _ := b.Get(s.ID()); !reflect.DeepEqual(got, want) {
		t.Fatalf("the other store holds %+v, want %+v", got, want)
	}

	// Newer klines fill the symbol, then each evicts the oldest.
	for m := 6; m < 10; m++ {
		a.PutPreparedAt(Prepare(sig("BTCUSDT", Sell, m)), now)
	}
	if got, want := minutes(all(a)), []string{"BTCUSDT/SELL@8", "BTCUSDT/SELL@9"}; !slices.Equal(got, want) {
		t.Fatalf("held %v, want %v", got, want)
	}
	if c := a.Counts(); c.Total != 5 || c.Buy != 1 || c.Sell != 4 || c.Evicted != 3 || a.Len() != 2 {
		t.Fatalf("Counts() = %+v, Len() = %d", c, a.Len())
	}
}

func TestUpdate(t *testing.T) {
	st := NewStore(StoreOptions{Now: clock.NewFake(storeBase).Now})
	s := sig("BTCUSDT", Buy, 5)
	st.Put(s)

	called := false
	if st.Update("no such id", func(*Entry) { called = true }) || called {
		t.Fatalf("Update of an unknown ID reported true or called f")
	}
	ok := st.Update(s.ID(), func(e *Entry) {
		e.State, e.Note = StateIgnored, "cool-down"
		// Neither of these may stick: they would break the store's order.
		e.Signal.KlineOpen = at(100)
		e.Recorded = at(100)
	})
	if !ok {
		t.Fatalf("Update of a stored ID reported false")
	}
	want := Entry{Signal: s, Recorded: storeBase, State: StateIgnored, Note: "cool-down"}
	if got, _ := st.Get(s.ID()); !reflect.DeepEqual(got, want) {
		t.Fatalf("after Update Get = %+v, want %+v", got, want)
	}
}

func TestQueries(t *testing.T) {
	st := NewStore(StoreOptions{})
	st.PutBatch([]Signal{
		sig("ETHUSDT", Buy, 2),
		sig("BTCUSDT", Buy, 1),
		sig("BTCUSDT", Sell, 4),
		sig("BTCUSDT", Buy, 7),
		sig("ETHUSDT", Sell, 6),
		sig("SOLUSDT", Buy, 3),
	})

	symbolTests := []struct {
		symbol string
		since  time.Time
		want   []string
	}{
		{"BTCUSDT", time.Time{}, []string{"BTCUSDT/BUY@1", "BTCUSDT/SELL@4", "BTCUSDT/BUY@7"}},
		{"BTCUSDT", at(4), []string{"BTCUSDT/SELL@4", "BTCUSDT/BUY@7"}}, // since is inclusive
		{"BTCUSDT", at(4).Add(time.Nanosecond), []string{"BTCUSDT/BUY@7"}},
		{"BTCUSDT", at(8), []string{}},
		{"DOGEUSDT", time.Time{}, []string{}},
	}
	for _, tt := range symbolTests {
		if got := minutes(st.Symbol(tt.symbol, tt.since)); !slices.Equal(got, tt.want) {
			t.Errorf("Symbol(%s, %v) = %v, want %v", tt.symbol, tt.since, got, tt.want)
		}
	}

	multi := st.Symbols([]string{"ETHUSDT", "BTCUSDT", "ETHUSDT", "DOGEUSDT", "SOLUSDT"}, at(4))
	wantMulti := map[string][]string{
		"BTCUSDT": {"BTCUSDT/SELL@4", "BTCUSDT/BUY@7"},
		"ETHUSDT": {"ETHUSDT/SELL@6"},
	}
	if len(multi) != len(wantMulti) {
		t.Errorf("Symbols has keys %v, want those of %v", slices.Sorted(keys(multi)), wantMulti)
	}
	for sym, want := range wantMulti {
		if got := minutes(multi[sym]); !slices.Equal(got, want) {
			t.Errorf("Symbols[%s] = %v, want %v", sym, got, want)
		}
	}

	lastTests := []struct {
		symbol string
		want   string
		ok     bool
	}{
		{"BTCUSDT", "BTCUSDT/BUY@7", true},
		{"ETHUSDT", "ETHUSDT/SELL@6", true},
		{"DOGEUSDT", "", false},
	}
	for _, tt := range lastTests {
		e, ok := st.Last(tt.symbol)
		if ok != tt.ok || (ok && minutes([]Entry{e})[0] != tt.want) {
			t.Errorf("Last(%s) = %v %v, want %s %v", tt.symbol, minutes([]Entry{e}), ok, tt.want, tt.ok)
		}
	}

	if got, want := minutes(st.LastPerSymbol()), []string{"BTCUSDT/BUY@7", "ETHUSDT/SELL@6", "SOLUSDT/BUY@3"}; !slices.Equal(got, want) {
		t.Errorf("LastPerSymbol() = %v, want %v", got, want)
	}

	s := sig("ETHUSDT", Buy, 2)
	if e, ok := st.Get(s.ID()); !ok || !reflect.DeepEqual(e.Signal, s) {
		t.Errorf("Get(%s) = %+v %v", s.ID(), e, ok)
	}
	if _, ok := st.Get(sig("ETHUSDT", Sell, 2).ID()); ok {
		t.Errorf("Get of an ID never put found something")
	}
	if got := st.Len(); got != 6 {
		t.Errorf("Len() = %d, want 6", got)
	}

	// Answers are copies: changing them changes nothing stored.
	got := st.Symbol("BTCUSDT", time.Time{})
	got[0].Note = "scribbled"
	got[0].Signal.Symbol = "XXX"
	if e, _ := st.Get(sig("BTCUSDT", Buy, 1).ID()); e.Note != "" || e.Signal.Symbol != "BTCUSDT" {
		t.Errorf("a query's answer aliases the store: %+v", e)
	}
}

func keys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestPrune(t *testing.T) {
	clk := clock.NewFake(storeBase)
	st := NewStore(StoreOptions{TTL: time.Hour, Now: clk.Now})
	st.PutBatch([]Signal{sig("BTCUSDT", Buy, 0), sig("BTCUSDT", Sell, 30), sig("ETHUSDT", Buy, 10)})
	// Recorded late, but its kline is old: age comes from the kline.
	clk.Advance(2 * time.Hour)
	st.Put(sig("SOLUSDT", Buy, 5))

	// A kline closing at +m+1 minutes (less a millisecond) is kept while
	// now - TTL is not after its close.
	steps := []struct {
		now     time.Time
		removed int
		left    []string
	}{
		{at(60), 0, []string{"BTCUSDT/BUY@0", "BTCUSDT/SELL@30", "ETHUSDT/BUY@10", "SOLUSDT/BUY@5"}},
		{at(61).Add(-time.Millisecond), 0, []string{"BTCUSDT/BUY@0", "BTCUSDT/SELL@30", "ETHUSDT/BUY@10", "SOLUSDT/BUY@5"}},
		{at(61), 1, []string{"BTCUSDT/SELL@30", "ETHUSDT/BUY@10", "SOLUSDT/BUY@5"}},
		{at(66), 1, []string{"BTCUSDT/SELL@30", "ETHUSDT/BUY@10"}}, // emptied symbols disappear
		{at(71), 1, []string{"BTCUSDT/SELL@30"}},
		{at(71), 0, []string{"BTCUSDT/SELL@30"}},
		{at(200), 1, []string{}},
	}
	var pruned int64
	for i, s := range steps {
		if got := st.Prune(s.now); got != s.removed {
			t.Fatalf("step %d: Prune = %d, want %d", i, got, s.removed)
		}
		pruned += int64(s.removed)
		if got := minutes(all(st)); !slices.Equal(got, s.left) {
			t.Fatalf("step %d: left %v, want %v", i, got, s.left)
		}
		if st.Len() != len(s.left) || len(st.LastPerSymbol()) != len(distinctSymbols(s.left)) {
			t.Fatalf("step %d: Len %d, %d symbols; want %d, %d", i, st.Len(), len(st.LastPerSymbol()), len(s.left), len(distinctSymbols(s.left)))
		}
	}
	if c := st.Counts(); c.Pruned != pruned || c.Total != 4 || c.Buy != 3 || c.Sell != 1 {
		t.Fatalf("Counts() = %+v, want 4 total (3 buy, 1 sell), %d pruned", c, pruned)
	}
	if _, ok := st.Get(sig("BTCUSDT", Buy, 0).ID()); ok {
		t.Fatalf("a pruned entry is still found by ID")
	}
}

func distinctSymbols(rendered []string) map[string]bool {
	out := map[string]bool{}
	for _, r := range rendered {
		sym, _, _ := cutAt(r, '/')
		out[sym] = true
	}
	return out
}

func cutAt(s string, sep byte) (string, string, bool) {
	for i := range len(s) {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestDefaults(t *testing.T) {
	st := NewStore(StoreOptions{})
	for m := range DefaultMaxPerSymbol + 10 {
		st.Put(sig("BTCUSDT", Buy, m))
	}
	for i := range DefaultMaxSymbols + 3 {
		st.Put(sig(fmt.Sprintf("S%03d", i), Sell, 1000+i))
	}
	// BTCUSDT's newest kline is the oldest of all: it goes first, then
	// S000, S001 and S002.
	if _, ok := st.Last("BTCUSDT"); ok {
		t.Fatalf("the stalest symbol was kept")
	}
	if got, want := st.Len(), DefaultMaxSymbols; got != want {
		t.Fatalf("Len() = %d, want %d", got, want)
	}
	if c := st.Counts(); c.Evicted != 10+DefaultMaxPerSymbol+3 || c.Total != DefaultMaxPerSymbol+10+DefaultMaxSymbols+3 {
		t.Fatalf("Counts() = %+v", c)
	}
	// The default TTL is a day after the kline's close.
	newest := at(1000 + DefaultMaxSymbols + 2 + 1)
	if n := st.Prune(newest.Add(DefaultTTL - time.Millisecond)); n != DefaultMaxSymbols-1 {
		t.Fatalf("Prune a day after all but the newest closed removed %d, want %d", n, DefaultMaxSymbols-1)
	}
}

// refModel is the store as plain maps and loops, to check the store's
// indexes against.
type refModel struct {
	opts    StoreOptions
	entries map[string]Entry
	counts  Counts
}

func (m *refModel) put(s Signal, now time.Time) (Entry, bool) {
	id := s.ID()
	if e, ok := m.entries[id]; ok {
		e.Signal = s
		m.entries[id] = e
		return e, false
	}
	e := Entry{Signal: s, Recorded: now, State: StateNew}
	m.entries[id] = e
	m.counts.Total++
	if s.Side == Buy {
		m.counts.Buy++
	} else {
		m.counts.Sell++
	}
	if same := m.symbol(s.Symbol, time.Time{}); len(same) > m.opts.MaxPerSymbol {
		delete(m.entries, same[0].Signal.ID())
		m.counts.Evicted++
	}
	if syms := m.symbols(); len(syms) > m.opts.MaxSymbols {
		stalest := slices.MinFunc(syms, func(a, b string) int {
			return cmp.Or(m.last(a).Signal.KlineOpen.Compare(m.last(b).Signal.KlineOpen), cmp.Compare(a, b))
		})
		for _, e := range m.symbol(stalest, time.Time{}) {
			delete(m.entries, e.Signal.ID())
			m.counts.Evicted++
		}
	}
	return e, true
}

func (m *refModel) prune(now time.Time) int {
	n := 0
	for id, e := range m.entries {
		if now.Sub(e.Signal.KlineClose) > m.opts.TTL {
			delete(m.entries, id)
			n++
		}
	}
	m.counts.Pruned += int64(n)
	return n
}

func (m *refModel) symbol(sym string, since time.Time) []Entry {
	var out []Entry
	for _, e := range m.entries {
		if e.Signal.Symbol == sym && !e.Signal.KlineOpen.Before(since) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(a.Signal.KlineOpen.Compare(b.Signal.KlineOpen), cmp.Compare(a.Signal.ID(), b.Signal.ID()))
	})
	return out
}

func (m *refModel) last(sym string) Entry {
	es := m.symbol(sym, time.Time{})
	return es[len(es)-1]
}

func (m *refModel) symbols() []string {
	var out []string
	for _, e := range m.entries {
		if !slices.Contains(out, e.Signal.Symbol) {
			out = append(out, e.Signal.Symbol)
		}
	}
	slices.Sort(out)
	return out
}

// TestStoreMatchesModel runs random operations on a small store and on the
// reference model and compares every answer after every operation. From
// seed 20 on, MaxPerSymbol is 7: a symbol's ring grows (to 4 slots, then
// 7) before it wraps.
func TestStoreMatchesModel(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			clk := clock.NewFake(storeBase)
			opts := StoreOptions{TTL: 20 * time.Minute, MaxPerSymbol: 4 + 3*int(seed/20), MaxSymbols: 3, Now: clk.Now}
			st := NewStore(opts)
			m := &refModel{opts: opts, entries: map[string]Entry{}}
			symbols := []string{"AAA", "BBB", "CCC", "DDD", "EEE"}
			randSignal := func() Signal {
				now := int(clk.Now().Sub(storeBase) / time.Minute)
				s := sig(symbols[rng.IntN(len(symbols))], []Side{Buy, Sell}[rng.IntN(2)], now-rng.IntN(30))
				s.Strategy = []string{"rsi", "macd"}[rng.IntN(2)]
				return s.WithReason(fmt.Sprint("r", rng.IntN(1000)))
			}
			var ids []string
			for op := range 600 {
				clk.Advance(time.Duration(rng.IntN(90)) * time.Second)
				if rng.IntN(4) == 0 { // room made ahead changes no answer
					st.Reserve(symbols[rng.IntN(len(symbols))])
				}
				switch r := rng.IntN(20); {
				case r < 13:
					s := randSignal()
					ids = append(ids, s.ID())
					ge, gn := st.Put(s)
					we, wn := m.put(s, clk.Now())
					if gn != wn || !reflect.DeepEqual(ge, we) {
						t.Fatalf("op %d Put: got %+v %v, want %+v %v", op, ge, gn, we, wn)
					}
				case r < 15:
					batch := make([]Signal, rng.IntN(5))
					want := 0
					for i := range batch {
						batch[i] = randSignal()
						ids = append(ids, batch[i].ID())
						if _, isNew := m.put(batch[i], clk.Now()); isNew {
							want++
						}
					}
					if got := st.PutBatch(batch); got != want {
						t.Fatalf("op %d PutBatch: %d new, want %d", op, got, want)
					}
				case r < 18 && len(ids) > 0:
					id := ids[rng.IntN(len(ids))]
					note := fmt.Sprint("n", op)
					_, want := m.entries[id]
					if want {
						e := m.entries[id]
						e.State, e.Note = StateAccepted, note
						m.entries[id] = e
					}
					if got := st.Update(id, func(e *Entry) { e.State, e.Note = StateAccepted, note }); got != want {
						t.Fatalf("op %d Update(%s) = %v, want %v", op, id, got, want)
					}
				default:
					if got, want := st.Prune(clk.Now()), m.prune(clk.Now()); got != want {
						t.Fatalf("op %d Prune: %d, want %d", op, got, want)
					}
				}
				compareWithModel(t, op, st, m, rng, ids)
			}
			if c := st.Counts(); c.Evicted == 0 || c.Pruned == 0 {
				t.Fatalf("the run never evicted or never pruned: %+v", c)
			}
		})
	}
}

func compareWithModel(t *testing.T, op int, st *Store, m *refModel, rng *rand.Rand, ids []string) {
	t.Helper()
	if st.Len() != len(m.entries) || st.Counts() != m.counts {
		t.Fatalf("op %d: Len %d Counts %+v, want %d %+v", op, st.Len(), st.Counts(), len(m.entries), m.counts)
	}
	if st.Len() > m.opts.MaxPerSymbol*m.opts.MaxSymbols {
		t.Fatalf("op %d: %d entries, beyond the bound", op, st.Len())
	}
	syms := m.symbols()
	var wantLast []Entry
	for _, sym := range syms {
		wantLast = append(wantLast, m.last(sym))
	}
	if got := st.LastPerSymbol(); !sameEntries(got, wantLast) {
		t.Fatalf("op %d: LastPerSymbol %v, want %v", op, minutes(got), minutes(wantLast))
	}
	since := storeBase
	if len(m.entries) > 0 {
		since = wantLast[0].Signal.KlineOpen.Add(time.Duration(rng.IntN(7)-3) * time.Minute)
	}
	query := []string{"AAA", "CCC", "EEE", "AAA"}
	gotMulti := st.Symbols(query, since)
	for _, sym := range []string{"AAA", "BBB", "CCC", "DDD", "EEE"} {
		want := m.symbol(sym, since)
		if got := st.Symbol(sym, since); !sameEntries(got, want) {
			t.Fatalf("op %d: Symbol(%s, %v) = %v, want %v", op, sym, since, minutes(got), minutes(want))
		}
		if got, in := gotMulti[sym]; slices.Contains(query, sym) && !sameEntries(got, want) || !slices.Contains(query, sym) && in {
			t.Fatalf("op %d: Symbols[%s] = %v, want %v", op, sym, minutes(got), minutes(want))
		}
		gotLast, ok := st.Last(sym)
		if ok != slices.Contains(syms, sym) || ok && !reflect.DeepEqual(gotLast, m.last(sym)) {
			t.Fatalf("op %d: Last(%s) = %v %v", op, sym, minutes([]Entry{gotLast}), ok)
		}
	}
	if len(ids) > 0 {
		id := ids[rng.IntN(len(ids))]
		got, ok := st.Get(id)
		want, wantOK := m.entries[id]
		if ok != wantOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("op %d: Get(%s) = %+v %v, want %+v %v", op, id, got, ok, want, wantOK)
		}
	}
}

// sameEntries is reflect.DeepEqual that takes nil and empty as the same.
func sameEntries(a, b []Entry) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// TestConcurrentReadersOneWriter is meant for -race: readers check what
// must hold in every view while one writer puts, updates and prunes.
func TestConcurrentReadersOneWriter(t *testing.T) {
	const perSymbol, readers, rounds = 8, 4, 2000
	symbols := []string{"AAA", "BBB", "CCC"}
	clk := clock.NewFake(storeBase)
	st := NewStore(StoreOptions{TTL: 30 * time.Minute, MaxPerSymbol: perSymbol, Now: clk.Now})

	done := make(chan struct{})
	errs := make(chan error, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- readUntil(done, st, symbols, perSymbol)
		}()
	}

	var last Signal
	for m := range rounds {
		batch := make([]Signal, 0, len(symbols))
		for _, sym := range symbols {
			batch = append(batch, sig(sym, []Side{Buy, Sell}[m%2], m))
		}
		if m%3 == 0 {
			st.PutBatch(batch)
		} else {
			for _, s := range batch {
				st.Put(s)
			}
		}
		last = batch[len(batch)-1]
		st.Update(batch[0].ID(), func(e *Entry) { e.State = StateAccepted })
		if m%50 == 0 {
			st.Prune(at(m))
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if e, ok := st.Last(last.Symbol); !ok || !reflect.DeepEqual(e.Signal, last) {
		t.Fatalf("Last(%s) = %+v, want the last signal put", last.Symbol, e)
	}
	if c := st.Counts(); c.Total != rounds*int64(len(symbols)) || int64(st.Len())+c.Pruned+c.Evicted != c.Total {
		t.Fatalf("Counts() = %+v with %d held", c, st.Len())
	}
}

// readUntil reads st until done is closed and returns the first
// inconsistency it saw.
func readUntil(done <-chan struct{}, st *Store, symbols []string, perSymbol int) error {
	lastSeen := map[string]time.Time{}
	var total int64
	for {
		select {
		case <-done:
			return nil
		default:
		}
		for _, sym := range symbols {
			es := st.Symbol(sym, time.Time{})
			if len(es) > perSymbol {
				return fmt.Errorf("%s holds %d entries, more than %d", sym, len(es), perSymbol)
			}
			for i := 1; i < len(es); i++ {
				if !es[i-1].Signal.KlineOpen.Before(es[i].Signal.KlineOpen) {
					return fmt.Errorf("%s out of order: %v", sym, minutes(es))
				}
			}
			if e, ok := st.Last(sym); ok {
				if e.Signal.KlineOpen.Before(lastSeen[sym]) {
					return fmt.Errorf("Last(%s) went back from %v to %v", sym, lastSeen[sym], e.Signal.KlineOpen)
				}
				lastSeen[sym] = e.Signal.KlineOpen
			}
		}
		lps := st.LastPerSymbol()
		if !slices.IsSortedFunc(lps, func(a, b Entry) int { return cmp.Compare(a.Signal.Symbol, b.Signal.Symbol) }) {
			return fmt.Errorf("LastPerSymbol not sorted: %v", minutes(lps))
		}
		c := st.Counts()
		if c.Total < total {
			return fmt.Errorf("Counts().Total went back from %d to %d", total, c.Total)
		}
		total = c.Total
	}
}

func BenchmarkStorePut(b *testing.B) {
	const symbols = 50
	st := NewStore(StoreOptions{})
	signals := make([]Signal, 4*DefaultMaxPerSymbol*symbols)
	for i := range signals {
		signals[i] = sig(fmt.Sprintf("SYM%02dUSDT", i%symbols), Buy, i/symbols)
	}
	for i := 0; b.Loop(); i++ {
		st.Put(signals[i%len(signals)]) // after one pass: full symbols, evicting
	}
}

func BenchmarkStoreLastPerSymbol(b *testing.B) {
	const symbols = 50
	st := NewStore(StoreOptions{})
	for m := range DefaultMaxPerSymbol {
		for i := range symbols {
			st.Put(sig(fmt.Sprintf("SYM%02dUSDT", i), Buy, m))
		}
	}
	for b.Loop() {
		if len(st.LastPerSymbol()) != symbols {
			b.Fatal("wrong number of symbols")
		}
	}
}

func TestStoreSeedCountsAndSetTTL(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	st := NewStore(StoreOptions{TTL: time.Hour, Now: func() time.Time { return t0 }})
	st.SeedCounts(Counts{Total: 7, Buy: 4, Sell: 3, Pruned: 99})
	st.Put(Signal{Symbol: "BTCUSDT", Side: Sell, Strategy: "RSI", KlineOpen: t0.Add(-2 * time.Minute), KlineClose: t0.Add(-time.Minute)})
	if c := st.Counts(); c.Total != 8 || c.Buy != 4 || c.Sell != 4 || c.Pruned != 0 {
		t.Errorf("counts after seeding 7/4/3 and one SELL = %+v, want total 8, buy 4, sell 4, pruned 0", c)
	}
	if n := st.Prune(t0.Add(30 * time.Minute)); n != 0 {
		t.Fatalf("pruned %d within the hour", n)
	}
	st.SetTTL(10 * time.Minute)
	if n := st.Prune(t0.Add(30 * time.Minute)); n != 1 {
		t.Errorf("pruned %d after shortening the TTL to 10m, want 1", n)
	}
}

// TestStoreLayout guards the sizes Store's layout is built on (see Store):
// a symbol's list is read whole by every put, and a ring slot written
// whole.
func TestStoreLayout(t *testing.T) {
	if got := unsafe.Sizeof(symbolList{}); got != 64 {
		t.Errorf("a symbolList is %d bytes, want 64: one cache line", got)
	}
	if got := unsafe.Sizeof(slot{}); got != 64 {
		t.Errorf("a slot is %d bytes, want 64", got)
	}
}

// TestReserveLetsPutAllocateNothing checks that a put after Reserve,
// into a symbol new to the store or into a full ring, allocates nothing,
// that without it the same puts do allocate (so the check can fail), and
// that a reserved symbol stays out of every answer until a signal is
// stored in it.
func TestReserveLetsPutAllocateNothing(t *testing.T) {
	const puts = 300 // past MaxPerSymbol: every doubling of the ring and then the evictions
	prepared := make([]Prepared, puts)
	for m := range prepared {
		prepared[m] = Prepare(sig("BTCUSDT", Buy, m))
	}
	// mallocs counts the heap allocations of putting every signal, each
	// after Reserve when reserve is set.
	mallocs := func(reserve bool) uint64 {
		st := NewStore(StoreOptions{MaxPerSymbol: 256})
		if reserve {
			st.Reserve("BTCUSDT")
			st.Reserve("BTCUSDT") // twice: still one spare list
			if len(st.spare) != 1 {
				t.Fatalf("spare lists after reserving one symbol twice: %d", len(st.spare))
			}
			if st.Len() != 0 || len(st.LastPerSymbol()) != 0 || len(st.Symbols([]string{"BTCUSDT"}, time.Time{})) != 0 {
				t.Fatal("a reserved symbol with no signal shows in the store's answers")
			}
			if _, ok := st.Last("BTCUSDT"); ok {
				t.Fatal("Last answers for a reserved symbol with no signal")
			}
		}
		now := at(0)
		var total uint64
		var before, after runtime.MemStats
		for _, p := range prepared {
			runtime.ReadMemStats(&before)
			st.PutPreparedAt(p, now)
			runtime.ReadMemStats(&after)
			total += after.Mallocs - before.Mallocs
			if reserve {
				st.Reserve("BTCUSDT")
			}
		}
		if st.Len() != 256 || len(st.spare) != 0 {
			t.Fatalf("after %d puts: %d entries (want 256), %d spare lists (want 0)", puts, st.Len(), len(st.spare))
		}
		return total
	}
	if n := mallocs(false); n == 0 {
		t.Fatal("puts without Reserve allocated nothing: the check below proves nothing")
	}
	if n := mallocs(true); n != 0 {
		t.Errorf("puts after Reserve made %d allocations, want 0", n)
	}
}

// TestReserveIsBounded checks that Reserve keeps at most MaxSymbols spare
// lists, whatever it is asked for.
func TestReserveIsBounded(t *testing.T) {
	st := NewStore(StoreOptions{MaxSymbols: 3})
	for i := range 10 {
		st.Reserve(fmt.Sprintf("SYM%dUSDT", i))
	}
	if len(st.spare) != 3 {
		t.Errorf("spare lists: %d, want MaxSymbols = 3", len(st.spare))
	}
	st.Put(sig("SYM9USDT", Buy, 0)) // not reserved: still stored
	if got := minutes(st.Symbol("SYM9USDT", time.Time{})); !slices.Equal(got, []string{"SYM9USDT/BUY@0"}) {
		t.Errorf("unreserved symbol's entries: %v", got)
	}
}
