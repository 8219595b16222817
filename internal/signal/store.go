package signal

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Store defaults, used for StoreOptions fields that are zero or negative.
const (
	DefaultTTL          = 24 * time.Hour
	DefaultMaxPerSymbol = 256
	// DefaultMaxSymbols leaves room above the 50 symbols a spec may list.
	DefaultMaxSymbols = 64
)

// EntryState is what has been done about a stored signal. The signal task
// stores signals as StateNew; the trading executor marks the rest.
type EntryState string

// Entry states.
const (
	// StateNew: stored, nobody has looked at it yet.
	StateNew EntryState = "New"
	// StateAccepted: the executor means to act on it.
	StateAccepted EntryState = "Accepted"
	// StateIgnored: the executor chose not to act; Note says why.
	StateIgnored EntryState = "Ignored"
	// StateActed: an order was placed for it; Note names the order.
	StateActed EntryState = "Acted"
	// StateFailed: acting on it was tried and failed; Note says how.
	StateFailed EntryState = "Failed"
)

// Entry is a stored signal with its bookkeeping.
type Entry struct {
	Signal Signal
	// Recorded is when the store first saw the signal's ID, by
	// StoreOptions.Now.
	Recorded time.Time
	State    EntryState
	Note     string
}

// Counts are a store's counters since it was created; pruning and eviction
// do not lower them.
type Counts struct {
	// Total, Buy and Sell count signals stored under an ID the store did
	// not hold; a replacement is not counted again.
	Total, Buy, Sell int64
	// Pruned counts entries Prune removed for age; Evicted, entries Put
	// removed to stay within MaxPerSymbol and MaxSymbols.
	Pruned, Evicted int64
}

// StoreOptions configure a Store. Zero or negative fields take the
// defaults.
type StoreOptions struct {
	// TTL is how long after its kline closed a signal is kept by Prune.
	TTL time.Duration
	// MaxPerSymbol bounds the entries kept for one symbol.
	MaxPerSymbol int
	// MaxSymbols bounds the symbols kept.
	MaxSymbols int
	// Now stamps Entry.Recorded; time.Now when nil.
	Now func() time.Time
}

// slot is an entry with its ID, computed once: the ID orders entries of
// one kline and would otherwise be formatted on every comparison.
type slot struct {
	id string
	// sig is never modified once stored: a Prepared signal put into many
	// stores is shared by all of them, and replacing it swaps the pointer.
	sig      *Signal
	recorded time.Time
	state    EntryState
	note     string
}

func (sl *slot) entry() Entry {
	return Entry{Signal: *sl.sig, Recorded: sl.recorded, State: sl.state, Note: sl.note}
}

// before orders a symbol's entries: by kline open time, then by ID so that
// signals of one kline (other strategy or side) have a fixed order.
func (a *slot) before(b *slot) bool { //nolint:revive // a before b reads better than sl before b
	if !a.sig.KlineOpen.Equal(b.sig.KlineOpen) {
		return a.sig.KlineOpen.Before(b.sig.KlineOpen)
	}
	return a.id < b.id
}

// Store keeps one resource's recent signals, at most
// MaxSymbols×MaxPerSymbol of them whatever is put in.
//
// One writer (the resource's signal task) and any number of readers may
// use a Store at once. Writers hold an exclusive lock only for the
// insertion itself; readers share the lock and get copies, so nothing
// they keep aliases the store.
//
// Bounds: when a symbol holds more than MaxPerSymbol entries the one with
// the oldest kline is evicted, which is the signal just put if it is the
// oldest. When a new symbol makes more than MaxSymbols, the whole symbol
// whose newest signal is oldest (ties: the first by name) is evicted,
// which may again be the one just put. Evictions are counted, never
// refused: a long-lived SymbolWatch whose symbol list changes keeps the
// symbols still signalling.
type Store struct {
	opts StoreOptions

	mu sync.RWMutex
	// hot is the list Put used last: a resource's signals mostly come
	// from the same symbol, and Put runs for every resource a shared
	// strategy serves, one after another, when none of their memory is in
	// cache. Every field Put reads first sits here, next to the lock.
	hot *symbolList
	// bySymbol holds each symbol's entries ordered by slot.before, never
	// empty. There is no index by ID: an ID names its symbol and kline, so
	// find locates it by binary search.
	bySymbol map[string]*symbolList
	symbols  []string // the keys of bySymbol, sorted
	n        int
	counts   Counts
}

// NewStore returns an empty Store.
func NewStore(o StoreOptions) *Store {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MaxPerSymbol <= 0 {
		o.MaxPerSymbol = DefaultMaxPerSymbol
	}
	if o.MaxSymbols <= 0 {
		o.MaxSymbols = DefaultMaxSymbols
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{opts: o, bySymbol: make(map[string]*symbolList)}
}

// symbolList is one symbol's entries.
type symbolList struct {
	symbol string
	slots  []*slot
	// newest is the kline open time of the last slot.
	newest time.Time
}

// list returns symbol's entries, nil when it has none.
func (st *Store) list(symbol string) []*slot {
	if l := st.bySymbol[symbol]; l != nil {
		return l.slots
	}
	return nil
}

// forget removes symbol's list from the map (and from the hot cache).
func (st *Store) forget(symbol string) {
	if st.hot != nil && st.hot.symbol == symbol {
		st.hot = nil
	}
	delete(st.bySymbol, symbol)
}

// Put stores s under s.ID() and reports whether the ID was new. A known ID
// has its Signal replaced and keeps Recorded, State and Note, so a signal
// computed again does not undo what the executor marked. The returned
// Entry is a copy; a new entry may already have been evicted (see Store).
func (st *Store) Put(s Signal) (Entry, bool) {
	return st.PutPrepared(Prepare(s))
}

// Prepared is a signal with its ID computed, for putting one signal into
// many stores (every resource a shared strategy serves) without
// formatting its ID for each.
type Prepared struct {
	id string
	s  *Signal // shared by every store it is put into; never modified
}

// Prepare computes s's ID once.
func Prepare(s Signal) Prepared { return Prepared{id: s.ID(), s: &s} }

// Signal is the prepared signal.
func (p Prepared) Signal() Signal { return *p.s }

// PutPrepared is Put for a prepared signal.
func (st *Store) PutPrepared(p Prepared) (Entry, bool) {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	sl, isNew := st.put(p.id, p.s, now)
	return sl.entry(), isNew
}

// PutPreparedAt is PutPrepared with now, read by the caller from the
// store's clock, as the time a new entry is recorded: for callers that
// read the clock anyway. It only reports whether the ID was new, without
// copying the entry back.
func (st *Store) PutPreparedAt(p Prepared, now time.Time) bool {
	st.mu.Lock()
	_, isNew := st.put(p.id, p.s, now)
	st.mu.Unlock()
	return isNew
}

// PutBatch stores signals in order under one lock, as Put would one by
// one, and returns how many had a new ID.
func (st *Store) PutBatch(signals []Signal) int {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	added := 0
	for _, s := range signals {
		if _, isNew := st.put(s.ID(), &s, now); isNew {
			added++
		}
	}
	return added
}

// put stores s under id and returns its slot and whether the ID was new.
func (st *Store) put(id string, s *Signal, now time.Time) (*slot, bool) {
	l := st.hot
	if l == nil || l.symbol != s.Symbol {
		l = st.bySymbol[s.Symbol]
	}
	had := l != nil
	if !had {
		l = &symbolList{symbol: s.Symbol}
	}
	list := l.slots
	sl := &slot{id: id, sig: s, recorded: now, state: StateNew}
	n := len(list)
	if n == 0 || l.newest.Before(s.KlineOpen) {
		list = append(list, sl) // the usual case: a newer kline, so a new ID
	} else {
		i := sort.Search(n, func(i int) bool { return !list[i].before(sl) })
		if i < n && list[i].id == id {
			list[i].sig = s
			return list[i], false
		}
		list = slices.Insert(list, i, sl)
	}
	st.counts.Total++
	switch s.Side {
	case Buy:
		st.counts.Buy++
	case Sell:
		st.counts.Sell++
	}

	st.n++
	if len(list) > st.opts.MaxPerSymbol {
		// Dropped from the front without moving the rest: append
		// reallocates (and so compacts) once the capacity behind is used
		// up, which keeps eviction O(1) amortised.
		list[0] = nil
		list = list[1:]
		st.n--
		st.counts.Evicted++
	}
	l.slots = list
	l.newest = list[len(list)-1].sig.KlineOpen
	st.hot = l
	if !had {
		st.bySymbol[s.Symbol] = l
		j, _ := slices.BinarySearch(st.symbols, s.Symbol)
		st.symbols = slices.Insert(st.symbols, j, s.Symbol)
		if len(st.symbols) > st.opts.MaxSymbols {
			st.evictStalestSymbol()
		}
	}
	return sl, true
}

// evictStalestSymbol drops the symbol whose newest signal has the oldest
// kline. It scans every symbol, which is cheap at MaxSymbols and happens
// only when a symbol is added to a full store.
func (st *Store) evictStalestSymbol() {
	victim := -1
	var stalest time.Time
	for i, sym := range st.symbols { // sorted, so ties go to the first name
		newest := st.bySymbol[sym].newest
		if victim < 0 || newest.Before(stalest) {
			victim, stalest = i, newest
		}
	}
	st.counts.Evicted += int64(st.dropSymbol(victim))
}

// dropSymbol removes the i-th symbol and all its entries, returning how
// many entries went.
func (st *Store) dropSymbol(i int) int {
	sym := st.symbols[i]
	list := st.list(sym)
	st.forget(sym)
	st.symbols = slices.Delete(st.symbols, i, i+1)
	st.n -= len(list)
	return len(list)
}

// find returns the slot holding id, or nil. An ID is
// "SYMBOL/STRATEGY/SIDE/TIME" (see Signal.ID): the symbol picks the list,
// the kline open time the place in it.
func (st *Store) find(id string) *slot {
	sym, _, ok := strings.Cut(id, "/")
	slash := strings.LastIndexByte(id, '/')
	if !ok || slash < 0 {
		return nil
	}
	open, err := time.Parse(idTimeLayout, id[slash+1:])
	if err != nil {
		return nil
	}
	// The ID has the open time to the millisecond: look at every entry
	// within that millisecond.
	end := open.Add(time.Millisecond)
	list := st.list(sym)
	for i := sort.Search(len(list), func(i int) bool { return !list[i].sig.KlineOpen.Before(open) }); i < len(list); i++ {
		sl := list[i]
		if !sl.sig.KlineOpen.Before(end) {
			break
		}
		if sl.id == id {
			return sl
		}
	}
	return nil
}

// Update lets f change the bookkeeping of the entry with the given ID and
// reports whether there was one. Only f's changes to State and Note are
// kept: the signal and Recorded belong to the store. f runs under the
// store's write lock, so it must be quick, must not call the store, and
// must not keep the pointer.
func (st *Store) Update(id string, f func(*Entry)) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	sl := st.find(id)
	if sl == nil {
		return false
	}
	e := sl.entry()
	f(&e)
	sl.state, sl.note = e.State, e.Note
	return true
}

// Prune removes the entries whose kline closed more than TTL before now
// and returns how many. Age is taken from the kline, not from Recorded,
// so signals replayed from old klines do not linger and the result does
// not depend on when the store happened to see them.
func (st *Store) Prune(now time.Time) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	cutoff := now.Add(-st.opts.TTL)
	expired := func(sl *slot) bool { return sl.sig.KlineClose.Before(cutoff) }
	removed := 0
	for i := 0; i < len(st.symbols); {
		sym := st.symbols[i]
		list := st.list(sym)
		if !slices.ContainsFunc(list, expired) {
			i++
			continue
		}
		before := len(list)
		list = slices.DeleteFunc(list, expired)
		removed += before - len(list)
		if len(list) == 0 {
			st.forget(sym)
			st.symbols = slices.Delete(st.symbols, i, i+1)
			continue
		}
		l := st.bySymbol[sym]
		l.slots, l.newest = list, list[len(list)-1].sig.KlineOpen
		i++
	}
	st.n -= removed
	st.counts.Pruned += int64(removed)
	return removed
}

// Symbol returns copies of symbol's entries whose kline opened at or after
// since (the zero time: all), oldest first.
func (st *Store) Symbol(symbol string, since time.Time) []Entry {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.symbolSince(symbol, since)
}

func (st *Store) symbolSince(symbol string, since time.Time) []Entry {
	list := st.list(symbol)
	i := sort.Search(len(list), func(i int) bool { return !list[i].sig.KlineOpen.Before(since) })
	if i == len(list) {
		return nil
	}
	out := make([]Entry, 0, len(list)-i)
	for _, sl := range list[i:] {
		out = append(out, sl.entry())
	}
	return out
}

// Symbols is Symbol for several symbols under one read lock, so the
// answer is one consistent view. A symbol with no entries since then has
// no key in the map; a symbol listed twice is answered once.
func (st *Store) Symbols(symbols []string, since time.Time) map[string][]Entry {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make(map[string][]Entry, len(symbols))
	for _, sym := range symbols {
		if _, done := out[sym]; done {
			continue
		}
		if entries := st.symbolSince(sym, since); entries != nil {
			out[sym] = entries
		}
	}
	return out
}

// Last returns symbol's entry with the newest kline (of several on that
// kline, the last by ID).
func (st *Store) Last(symbol string) (Entry, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	list := st.list(symbol)
	if len(list) == 0 {
		return Entry{}, false
	}
	return list[len(list)-1].entry(), true
}

// LastPerSymbol returns Last of every symbol held, sorted by symbol.
func (st *Store) LastPerSymbol() []Entry {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]Entry, 0, len(st.symbols))
	for _, sym := range st.symbols {
		list := st.list(sym)
		out = append(out, list[len(list)-1].entry())
	}
	return out
}

// Get returns the entry with the given ID.
func (st *Store) Get(id string) (Entry, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	sl := st.find(id)
	if sl == nil {
		return Entry{}, false
	}
	return sl.entry(), true
}

// Len is how many entries the store holds.
func (st *Store) Len() int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.n
}

// Counts returns the store's counters.
func (st *Store) Counts() Counts {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.counts
}

// SetTTL changes how long entries are kept from the next Prune on (the
// resource's signalRetention was edited); ttl <= 0 restores DefaultTTL.
func (st *Store) SetTTL(ttl time.Duration) {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	st.mu.Lock()
	st.opts.TTL = ttl
	st.mu.Unlock()
}

// SeedCounts adds c's Total, Buy and Sell to the counters: a store made
// for a resource that already counted signals (in status, before an
// operator restart) carries on from those counts instead of from zero.
func (st *Store) SeedCounts(c Counts) {
	st.mu.Lock()
	st.counts.Total += c.Total
	st.counts.Buy += c.Buy
	st.counts.Sell += c.Sell
	st.mu.Unlock()
}
