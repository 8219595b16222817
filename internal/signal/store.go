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

// prepared is a signal with its ID, computed once: the ID orders entries
// of one kline and would otherwise be formatted on every comparison. It is
// never modified once made: a Prepared put into many stores is shared by
// all of them, and replacing an entry's signal swaps the pointer.
type prepared struct {
	sig Signal
	id  string
}

// slot is an entry, held by value in its symbol's ring (see symbolList).
// One pointer reaches both the signal and its ID, which keeps a slot to 64
// bytes.
type slot struct {
	p        *prepared
	recorded time.Time
	state    EntryState
	note     string
}

func (sl *slot) entry() Entry {
	return Entry{Signal: sl.p.sig, Recorded: sl.recorded, State: sl.state, Note: sl.note}
}

// before orders a symbol's entries: by kline open time, then by ID so that
// signals of one kline (other strategy or side) have a fixed order.
func (a *slot) before(b *slot) bool { //nolint:revive // a before b reads better than sl before b
	if !a.p.sig.KlineOpen.Equal(b.p.sig.KlineOpen) {
		return a.p.sig.KlineOpen.Before(b.p.sig.KlineOpen)
	}
	return a.p.id < b.p.id
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
//
// Layout: Put runs for every resource a shared strategy serves, one after
// another, when none of their memory is in cache, so every line it
// touches costs a miss. The fields it uses come first, next to the lock;
// the symbol's list is one cache line; and its entries are slots held by
// value in a ring, so that the usual Put, a newer kline into a full
// symbol, writes the oldest slot over in place and allocates nothing.
type Store struct {
	mu sync.RWMutex
	// hot is the list Put used last: a resource's signals mostly come
	// from the same symbol, so Put seldom needs the map.
	hot *symbolList
	// maxPerSymbol is the option Put reads, here rather than with the
	// others so that it shares the lock's lines.
	maxPerSymbol int
	counts       Counts

	// The other options, as NewStore completed them.
	maxSymbols int
	ttl        time.Duration
	now        func() time.Time

	// bySymbol holds each symbol's entries ordered by slot.before, never
	// empty; a nil value is a symbol Reserve made room for, which holds
	// nothing yet. There is no index by ID: an ID names its symbol and
	// kline, so find locates it by binary search.
	bySymbol map[string]*symbolList
	symbols  []string // the symbols with a list in bySymbol, sorted
	n        int      // entries held
	// spare holds the lists Reserve made for symbols not stored yet,
	// at most maxSymbols of them; put takes a symbol's from here.
	spare []*symbolList
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
	return &Store{maxPerSymbol: o.MaxPerSymbol, maxSymbols: o.MaxSymbols, ttl: o.TTL, now: o.Now,
		bySymbol: make(map[string]*symbolList)}
}

// symbolList is one symbol's entries, oldest first, in a ring: the n
// slots from ring[head] on, wrapping at the end. A newer kline's signal
// into a full list takes the oldest one's slot and moves head on, so it
// allocates nothing and moves nothing. The ring starts small and doubles
// up to MaxPerSymbol slots as the symbol's entries grow.
//
// Put reads every field; they make 64 bytes, one cache line (a 64-byte
// object is allocated 64-byte aligned).
type symbolList struct {
	symbol string
	ring   []slot
	head   int // where the oldest entry is
	n      int // how many entries there are
	// newest is the last entry's signal, which Put compares with: a
	// pointer rather than the time, to keep the list in one line. It is
	// usually the feed's previous signal, shared by all the stores it was
	// put into, so more likely in cache than the last slot.
	newest *prepared
}

// minRing is the slots a symbol's first ring has.
const minRing = 4

// at returns the i-th oldest entry, 0 <= i < len(ring).
func (l *symbolList) at(i int) *slot {
	i += l.head
	if i >= len(l.ring) {
		i -= len(l.ring)
	}
	return &l.ring[i]
}

// search returns the position of the first entry not before sl, n if
// none.
func (l *symbolList) search(sl *slot) int {
	return sort.Search(l.n, func(i int) bool { return !l.at(i).before(sl) })
}

// since returns the position of the first entry whose kline opened at or
// after t, n if none.
func (l *symbolList) since(t time.Time) int {
	return sort.Search(l.n, func(i int) bool { return !l.at(i).p.sig.KlineOpen.Before(t) })
}

// insert puts sl at position i (0 <= i <= n), the entries from i on
// moving one place up, and reports whether that made more than limit
// entries, so that the oldest was dropped: sl itself when i is 0.
func (l *symbolList) insert(i int, sl slot, limit int) (evicted bool) {
	switch {
	case l.n == limit:
		if i == 0 {
			return true
		}
		// The oldest goes; its slot is now the free one past the end.
		l.head++
		if l.head == len(l.ring) {
			l.head = 0
		}
		l.n--
		i--
		evicted = true
	case l.n == len(l.ring):
		l.grow(limit)
	}
	l.n++
	for j := l.n - 1; j > i; j-- { // none for the usual put, i == n-1
		*l.at(j) = *l.at(j - 1)
	}
	*l.at(i) = sl
	return evicted
}

// grow doubles the full ring, up to limit slots, oldest first in the new
// one.
func (l *symbolList) grow(limit int) {
	ring := make([]slot, min(max(2*len(l.ring), minRing), limit))
	k := copy(ring, l.ring[l.head:])
	copy(ring[k:], l.ring[:l.head])
	l.ring, l.head = ring, 0
}

// Reserve makes room for symbol's next signal ahead of time, so that the
// Put that stores it allocates nothing: it grows the symbol's ring if it is
// full (and below MaxPerSymbol), or prepares the list of a symbol not
// stored yet, which stays invisible to readers until a signal lands in it.
//
// Why: a feed puts one signal into every store it serves, one after
// another, and their rings fill and double at the same signal. A thousand
// rings doubling at once are megabytes allocated in one delivery: enough
// to start a garbage collection, whose assists then charge the delivery
// for marking, several milliseconds in all. The signal task reserves when
// it starts and after each stored signal, off the delivery's path.
func (st *Store) Reserve(symbol string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if l := st.bySymbol[symbol]; l != nil {
		if l.n == len(l.ring) && len(l.ring) < st.maxPerSymbol {
			l.grow(st.maxPerSymbol)
		}
		return
	}
	for _, l := range st.spare {
		if l.symbol == symbol {
			return
		}
	}
	if len(st.spare) >= st.maxSymbols {
		return
	}
	l := &symbolList{symbol: symbol}
	l.grow(st.maxPerSymbol)
	st.spare = append(st.spare, l)
	// The key too, with no list yet, so that the put which sets it does
	// not grow the map.
	st.bySymbol[symbol] = nil
	// Room in the sorted names for every reserved symbol, so that
	// inserting one does not allocate either.
	st.symbols = slices.Grow(st.symbols, len(st.spare))
}

// takeSpare returns the list Reserve made for symbol, or a new one.
func (st *Store) takeSpare(symbol string) *symbolList {
	for i, l := range st.spare {
		if l.symbol == symbol {
			last := len(st.spare) - 1
			st.spare[i], st.spare[last] = st.spare[last], nil
			st.spare = st.spare[:last]
			return l
		}
	}
	return &symbolList{symbol: symbol}
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
	p *prepared // shared by every store it is put into
}

// Prepare computes s's ID once.
func Prepare(s Signal) Prepared { return Prepared{p: &prepared{sig: s, id: s.ID()}} }

// Signal is the prepared signal.
func (p Prepared) Signal() Signal { return p.p.sig }

// PutPrepared is Put for a prepared signal.
func (st *Store) PutPrepared(p Prepared) (Entry, bool) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	sl, isNew := st.put(p.p, now)
	return sl.entry(), isNew
}

// PutPreparedAt is PutPrepared with now, read by the caller from the
// store's clock, as the time a new entry is recorded: for callers that
// read the clock anyway. It only reports whether the ID was new, without
// copying the entry back.
func (st *Store) PutPreparedAt(p Prepared, now time.Time) bool {
	st.mu.Lock()
	_, isNew := st.put(p.p, now)
	st.mu.Unlock()
	return isNew
}

// PutBatch stores signals in order under one lock, as Put would one by
// one, and returns how many had a new ID.
func (st *Store) PutBatch(signals []Signal) int {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	added := 0
	for _, s := range signals {
		if _, isNew := st.put(&prepared{sig: s, id: s.ID()}, now); isNew {
			added++
		}
	}
	return added
}

// put stores p and returns its slot, a copy, and whether the ID was new.
func (st *Store) put(p *prepared, now time.Time) (slot, bool) {
	s := &p.sig
	l := st.hot
	if l == nil || l.symbol != s.Symbol {
		l = st.bySymbol[s.Symbol]
	}
	had := l != nil
	if !had {
		l = st.takeSpare(s.Symbol)
	}
	sl := slot{p: p, recorded: now, state: StateNew}
	i := l.n // the usual case: a newer kline, so a new ID, going last
	if l.n > 0 && !l.newest.sig.KlineOpen.Before(s.KlineOpen) {
		i = l.search(&sl)
		if i < l.n {
			if old := l.at(i); old.p.id == p.id {
				old.p = p
				if i == l.n-1 {
					l.newest = p
				}
				return *old, false
			}
		}
	}
	st.counts.Total++
	switch s.Side {
	case Buy:
		st.counts.Buy++
	case Sell:
		st.counts.Sell++
	}
	if l.insert(i, sl, st.maxPerSymbol) {
		st.counts.Evicted++
	} else {
		st.n++
	}
	l.newest = l.at(l.n - 1).p
	st.hot = l
	if !had {
		st.bySymbol[s.Symbol] = l
		j, _ := slices.BinarySearch(st.symbols, s.Symbol)
		st.symbols = slices.Insert(st.symbols, j, s.Symbol)
		if len(st.symbols) > st.maxSymbols {
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
		newest := st.bySymbol[sym].newest.sig.KlineOpen
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
	n := st.bySymbol[sym].n
	st.forget(sym)
	st.symbols = slices.Delete(st.symbols, i, i+1)
	st.n -= n
	return n
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
	l := st.bySymbol[sym]
	if l == nil {
		return nil
	}
	// The ID has the open time to the millisecond: look at every entry
	// within that millisecond.
	end := open.Add(time.Millisecond)
	for i := l.since(open); i < l.n; i++ {
		sl := l.at(i)
		if !sl.p.sig.KlineOpen.Before(end) {
			break
		}
		if sl.p.id == id {
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
	cutoff := now.Add(-st.ttl)
	removed := 0
	for i := 0; i < len(st.symbols); {
		sym := st.symbols[i]
		l := st.bySymbol[sym]
		// Keep the entries still young, in order, from position 0 on.
		kept := 0
		for j := range l.n {
			if sl := l.at(j); !sl.p.sig.KlineClose.Before(cutoff) {
				if kept != j {
					*l.at(kept) = *sl
				}
				kept++
			}
		}
		if kept == l.n {
			i++
			continue
		}
		for j := kept; j < l.n; j++ {
			*l.at(j) = slot{} // lets go of the signal
		}
		removed += l.n - kept
		l.n = kept
		if kept == 0 {
			st.forget(sym)
			st.symbols = slices.Delete(st.symbols, i, i+1)
			continue
		}
		l.newest = l.at(kept - 1).p
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
	l := st.bySymbol[symbol]
	if l == nil {
		return nil
	}
	i := l.since(since)
	if i == l.n {
		return nil
	}
	out := make([]Entry, 0, l.n-i)
	for ; i < l.n; i++ {
		out = append(out, l.at(i).entry())
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
	l := st.bySymbol[symbol]
	if l == nil {
		return Entry{}, false
	}
	return l.at(l.n - 1).entry(), true
}

// LastPerSymbol returns Last of every symbol held, sorted by symbol.
func (st *Store) LastPerSymbol() []Entry {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]Entry, 0, len(st.symbols))
	for _, sym := range st.symbols {
		l := st.bySymbol[sym]
		out = append(out, l.at(l.n-1).entry())
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
	st.ttl = ttl
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
