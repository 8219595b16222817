package market

// tierIndex names the stored bar tiers; every kline interval is aggregated
// from exactly one of them (see interval.source).
type tierIndex int

const (
	tierSecond tierIndex = iota
	tierMinute
	tierHour
	tierDay
	tierCount
)

// Retention of each tier, in bars. These bound the memory of a symbol at
// about 16k bars of 112 bytes (~1.8 MB) however long the simulator runs.
const (
	KeepSecondBars = 3600     // 1 hour of 1s bars
	KeepMinuteBars = 7 * 1440 // 7 days of 1m bars
	KeepHourBars   = 1000     // ~41 days of 1h bars
	KeepDayBars    = 1000     // ~2.7 years of 1d bars
)

// tierSpec gives a tier's bar width in ms and how many closed bars it keeps.
func tierSpec(i tierIndex) (width int64, keep int) {
	switch i {
	case tierSecond:
		return msSecond, KeepSecondBars
	case tierMinute:
		return msMinute, KeepMinuteBars
	case tierHour:
		return msHour, KeepHourBars
	default:
		return msDay, KeepDayBars
	}
}

// tier keeps contiguous bars of one width: a ring of closed bars, oldest
// first, followed by the open bar cur. Bars are never edited once closed.
//
// genesisMs is where the tier's data begins (its first bar, possibly a
// partial one). While nothing has been evicted the first stored bar is the
// genesis bar; a bucket of a wider interval is complete, and may be shown,
// only if every bar it needs since genesis is still stored.
type tier struct {
	width     int64
	keep      int
	active    bool
	genesisMs int64
	closed    []bar
	head      int // index of the oldest closed bar once the ring is full
	cur       bar
}

func newTier(i tierIndex) tier {
	width, keep := tierSpec(i)
	return tier{width: width, keep: keep}
}

// start (re)starts the tier with an open bar containing ms at price ticks.
func (t *tier) start(ms, ticks int64) {
	t.active = true
	t.genesisMs = floorDiv(ms, t.width) * t.width
	t.closed = t.closed[:0]
	t.head = 0
	t.cur = flatBar(t.genesisMs, ticks)
}

// stop drops the tier's data; it restarts at the next bar it is fed. Used
// when a stretch of time was generated at a coarser granularity than the
// tier's, so it would otherwise show a flat line where the price moved.
func (t *tier) stop() {
	t.active = false
	t.closed = t.closed[:0]
	t.head = 0
}

// roll makes the open bar the one that contains ms, closing the current bar
// and filling any whole bars in between with flat bars at the last close.
// prevTicks is the opening price if the tier is not running yet.
func (t *tier) roll(ms, prevTicks int64) {
	if !t.active {
		t.start(ms, prevTicks)
		return
	}
	open := floorDiv(ms, t.width) * t.width
	if open <= t.cur.openMs {
		return
	}
	last := t.cur.close
	t.push(t.cur)
	first := t.cur.openMs + t.width
	if missing := (open - first) / t.width; missing > int64(t.keep) {
		first = open - int64(t.keep)*t.width // older flat bars would be evicted at once
	}
	for x := first; x < open; x += t.width {
		t.push(flatBar(x, last))
	}
	t.cur = flatBar(open, last)
}

func (t *tier) push(b bar) {
	if len(t.closed) < t.keep {
		t.closed = appendBounded(t.closed, b, t.keep)
		return
	}
	t.closed[t.head] = b
	t.head = (t.head + 1) % t.keep
}

// at returns the i-th closed bar, oldest first.
func (t *tier) at(i int) bar {
	return t.closed[(t.head+i)%len(t.closed)]
}

// firstOpenMs is the open time of the oldest stored bar.
func (t *tier) firstOpenMs() int64 {
	if len(t.closed) > 0 {
		return t.at(0).openMs
	}
	return t.cur.openMs
}

// complete reports whether every bar of a bucket opening at lo is stored.
func (t *tier) complete(lo int64) bool {
	return max(lo, t.genesisMs) >= t.firstOpenMs()
}

// aggregate merges the stored bars that open in [lo, hi) into one bar
// opening at lo; ok is false when there is none.
func (t *tier) aggregate(lo, hi int64) (out bar, ok bool) {
	if !t.active {
		return bar{}, false
	}
	first := t.firstOpenMs()
	x := max(lo, first)
	if x >= hi || x > t.cur.openMs {
		return bar{}, false
	}
	n := len(t.closed)
	for i := int((x - first) / t.width); i <= n; i++ {
		b := t.cur
		if i < n {
			b = t.at(i)
		}
		if b.openMs >= hi {
			break
		}
		if !ok {
			out, ok = b, true
		} else {
			out.absorb(b)
		}
	}
	out.openMs = lo
	return out, ok
}

// appendBounded appends like append but never lets the capacity exceed
// limit, so a full ring holds exactly its retention.
func appendBounded[T any](s []T, v T, limit int) []T {
	if len(s) == cap(s) {
		grown := make([]T, len(s), min(max(2*cap(s), 64), limit))
		copy(grown, s)
		s = grown
	}
	return append(s, v)
}
