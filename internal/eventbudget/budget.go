package eventbudget

import (
	"container/list"
	"fmt"
	"sync"
	"time"
)

// Defaults used for Options fields that are zero or negative.
const (
	DefaultBurst       = 5
	DefaultEvery       = time.Minute
	DefaultMaxKeys     = 256
	DefaultGlobalBurst = 10
	DefaultGlobalEvery = 10 * time.Second
)

// Options configure a Budget. Zero or negative fields take the defaults
// above.
type Options struct {
	// Burst is how many events one key may emit at once.
	Burst int
	// Every is how often one key earns another event.
	Every time.Duration
	// MaxKeys bounds memory: beyond it the least recently asked key is
	// forgotten, along with its unreported fold count.
	MaxKeys int
	// GlobalBurst and GlobalEvery cap all keys of the budget together.
	GlobalBurst int
	GlobalEvery time.Duration
}

// Decision is the answer to Allow.
type Decision struct {
	// Emit says whether the caller may emit the event now.
	Emit bool
	// Folded is how many events of this key were refused since its last
	// emitted one. It is reported once, on the Decision that emits; it is
	// zero when Emit is false.
	Folded int
	// Since is when the first of those Folded events was refused; zero
	// when Folded is zero.
	Since time.Time
}

// Suffix is the text to append to the emitted event's note, such as
// " (and 12 more since 10:04:05 UTC)", or "" when nothing was folded.
func (d Decision) Suffix() string {
	if d.Folded == 0 {
		return ""
	}
	return fmt.Sprintf(" (and %d more since %s)", d.Folded, d.Since.UTC().Format("15:04:05 UTC"))
}

// bucket is a token bucket kept in whole tokens: refill adds one token per
// every elapsed and carries the remainder forward in last, so no float is
// involved and the same inputs always give the same answers.
type bucket struct {
	tokens int
	last   time.Time // the time up to which tokens have been credited
}

func (k *bucket) refill(now time.Time, burst int, every time.Duration) {
	if !now.After(k.last) {
		// A clock that goes back credits nothing and does not move last
		// back, so it cannot mint tokens later either.
		return
	}
	n := now.Sub(k.last) / every
	if int64(n) >= int64(burst-k.tokens) {
		k.tokens, k.last = burst, now
		return
	}
	k.tokens += int(n)
	k.last = k.last.Add(n * every)
}

type keyState struct {
	key    string
	bucket bucket
	folded int
	since  time.Time
}

// Budget is a set of per-key token buckets under one global bucket. Create
// it with New; its methods may be called from any goroutine.
type Budget struct {
	opts Options

	mu         sync.Mutex
	global     bucket
	keys       map[string]*list.Element // of *keyState
	recency    *list.List               // front: most recently asked
	suppressed int64
}

// New returns a Budget whose buckets all start full.
func New(o Options) *Budget {
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.GlobalBurst <= 0 {
		o.GlobalBurst = DefaultGlobalBurst
	}
	if o.GlobalEvery <= 0 {
		o.GlobalEvery = DefaultGlobalEvery
	}
	return &Budget{
		opts:    o,
		global:  bucket{tokens: o.GlobalBurst},
		keys:    make(map[string]*list.Element),
		recency: list.New(),
	}
}

// Allow says whether an event for key may be emitted at now. An event
// needs a token from its key's bucket and one from the global bucket; a
// refused event is counted against its key and folded into the key's next
// emitting Decision. A key seen for the first time starts with a full
// bucket.
func (b *Budget) Allow(key string, now time.Time) Decision {
	b.mu.Lock()
	defer b.mu.Unlock()

	ks := b.touch(key, now)
	ks.bucket.refill(now, b.opts.Burst, b.opts.Every)
	b.global.refill(now, b.opts.GlobalBurst, b.opts.GlobalEvery)

	if ks.bucket.tokens == 0 || b.global.tokens == 0 {
		if ks.folded == 0 {
			ks.since = now
		}
		ks.folded++
		b.suppressed++
		return Decision{}
	}
	ks.bucket.tokens--
	b.global.tokens--
	d := Decision{Emit: true, Folded: ks.folded, Since: ks.since}
	ks.folded, ks.since = 0, time.Time{}
	return d
}

// touch returns key's state, creating it with a full bucket and forgetting
// the least recently asked key when the budget is at MaxKeys.
func (b *Budget) touch(key string, now time.Time) *keyState {
	if el, ok := b.keys[key]; ok {
		b.recency.MoveToFront(el)
		return el.Value.(*keyState)
	}
	if b.recency.Len() >= b.opts.MaxKeys {
		oldest := b.recency.Back()
		b.recency.Remove(oldest)
		delete(b.keys, oldest.Value.(*keyState).key)
	}
	ks := &keyState{key: key, bucket: bucket{tokens: b.opts.Burst, last: now}}
	b.keys[key] = b.recency.PushFront(ks)
	return ks
}

// Suppressed is how many events Allow has refused since the Budget was
// created, including those of keys since forgotten.
func (b *Budget) Suppressed() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.suppressed
}

// Keys is how many keys the budget currently remembers (at most MaxKeys).
func (b *Budget) Keys() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.keys)
}
