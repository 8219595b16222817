package eventbudget

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 10, 4, 5, 0, time.UTC)

type step struct {
	key    string
	at     time.Duration // after t0
	emit   bool
	folded int
	since  time.Duration // after t0; only checked when folded > 0
}

func runSteps(t *testing.T, b *Budget, steps []step) {
	t.Helper()
	for i, s := range steps {
		d := b.Allow(s.key, t0.Add(s.at))
		if d.Emit != s.emit || d.Folded != s.folded {
			t.Fatalf("step %d (%s at +%v): got emit=%v folded=%d, want emit=%v folded=%d",
				i, s.key, s.at, d.Emit, d.Folded, s.emit, s.folded)
		}
		if s.folded > 0 && !d.Since.Equal(t0.Add(s.since)) {
			t.Fatalf("step %d (%s at +%v): since %v, want %v", i, s.key, s.at, d.Since, t0.Add(s.since))
		}
		if s.folded == 0 && !d.Since.IsZero() {
			t.Fatalf("step %d (%s at +%v): since %v with nothing folded", i, s.key, s.at, d.Since)
		}
	}
}

func TestAllow(t *testing.T) {
	const s, m = time.Second, time.Minute
	tests := []struct {
		name  string
		opts  Options
		steps []step
	}{
		{
			name: "burst then one per Every for a key",
			opts: Options{Burst: 3, Every: m, GlobalBurst: 100, GlobalEvery: s},
			steps: []step{
				{key: "a", at: 0, emit: true},
				{key: "a", at: 0, emit: true},
				{key: "a", at: 1 * s, emit: true},
				{key: "a", at: 2 * s, emit: false},
				{key: "a", at: 59 * s, emit: false},
				{key: "a", at: m, emit: true, folded: 2, since: 2 * s},
				{key: "a", at: m + 1*s, emit: false},
				{key: "a", at: 2*m - 1*s, emit: false},
				{key: "a", at: 2 * m, emit: true, folded: 2, since: m + 1*s},
				{key: "a", at: 2 * m, emit: false},
				// Idle long enough to refill, but no more than Burst.
				{key: "a", at: 20 * m, emit: true, folded: 1, since: 2 * m},
				{key: "a", at: 20 * m, emit: true},
				{key: "a", at: 20 * m, emit: true},
				{key: "a", at: 20 * m, emit: false},
			},
		},
		{
			name: "keys have separate buckets",
			opts: Options{Burst: 1, Every: m, GlobalBurst: 100, GlobalEvery: s},
			steps: []step{
				{key: "a", at: 0, emit: true},
				{key: "b", at: 0, emit: true},
				{key: "a", at: 1 * s, emit: false},
				{key: "b", at: 2 * s, emit: false},
				{key: "b", at: 3 * s, emit: false},
				{key: "a", at: m, emit: true, folded: 1, since: 1 * s},
				{key: "b", at: m, emit: true, folded: 2, since: 2 * s},
			},
		},
		{
			name: "remainder of a partial period is kept",
			opts: Options{Burst: 2, Every: m, GlobalBurst: 100, GlobalEvery: s},
			steps: []step{
				{key: "a", at: 0, emit: true},
				{key: "a", at: 0, emit: true},
				{key: "a", at: 90 * s, emit: true},   // one token, credited up to +60s
				{key: "a", at: 119 * s, emit: false}, // next token at +120s
				{key: "a", at: 120 * s, emit: true, folded: 1, since: 119 * s},
			},
		},
		{
			name: "the global cap spans keys",
			opts: Options{Burst: 5, Every: m, GlobalBurst: 2, GlobalEvery: 10 * s},
			steps: []step{
				{key: "a", at: 0, emit: true},
				{key: "b", at: 0, emit: true},
				{key: "c", at: 0, emit: false},
				{key: "a", at: 1 * s, emit: false},
				{key: "c", at: 10 * s, emit: true, folded: 1, since: 0},
				{key: "a", at: 10 * s, emit: false},
				{key: "a", at: 20 * s, emit: true, folded: 2, since: 1 * s},
				// A key refused by the global cap kept its own token.
				{key: "b", at: 30 * s, emit: true},
				{key: "c", at: 40 * s, emit: true},
				// Idle a long while: the global bucket holds GlobalBurst, no more.
				{key: "a", at: 10 * m, emit: true},
				{key: "b", at: 10 * m, emit: true},
				{key: "c", at: 10 * m, emit: false},
			},
		},
		{
			name: "a clock going back mints nothing",
			opts: Options{Burst: 1, Every: m, GlobalBurst: 100, GlobalEvery: s},
			steps: []step{
				{key: "a", at: m, emit: true},
				{key: "a", at: 0, emit: false},
				{key: "a", at: m + 59*s, emit: false},
				{key: "a", at: 2 * m, emit: true, folded: 2, since: 0},
			},
		},
		{
			name: "defaults: burst 5 per key, 10 across keys",
			opts: Options{},
			steps: func() []step {
				var st []step
				for _, k := range []string{"a", "b"} {
					for range DefaultBurst {
						st = append(st, step{key: k, emit: true})
					}
					st = append(st, step{key: k, emit: false})
				}
				return append(st,
					step{key: "c", emit: false},
					step{key: "c", at: DefaultGlobalEvery, emit: true, folded: 1, since: 0},
					step{key: "a", at: DefaultEvery - time.Nanosecond, emit: false},
					step{key: "a", at: DefaultEvery, emit: true, folded: 2, since: 0},
				)
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, New(tt.opts), tt.steps)
		})
	}
}

// TestFoldingMatchesModel drives one budget with random keys and times and
// checks every fold against a count kept here.
func TestFoldingMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := New(Options{Burst: 2, Every: 30 * time.Second, GlobalBurst: 4, GlobalEvery: 5 * time.Second})
	type pending struct {
		n     int
		first time.Time
	}
	refused := map[string]*pending{}
	var total int64
	var emitted int
	now := t0
	for i := range 5000 {
		now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
		key := fmt.Sprintf("k%d", rng.IntN(6))
		p := refused[key]
		if p == nil {
			p = &pending{}
			refused[key] = p
		}
		d := b.Allow(key, now)
		if !d.Emit {
			if d.Folded != 0 || !d.Since.IsZero() {
				t.Fatalf("call %d: a refusal reports folded=%d since=%v", i, d.Folded, d.Since)
			}
			if p.n == 0 {
				p.first = now
			}
			p.n++
			total++
			continue
		}
		emitted++
		if d.Folded != p.n || (p.n > 0 && !d.Since.Equal(p.first)) {
			t.Fatalf("call %d (%s): folded %d since %v, want %d since %v", i, key, d.Folded, d.Since, p.n, p.first)
		}
		*p = pending{}
	}
	if got := b.Suppressed(); got != total {
		t.Fatalf("Suppressed() = %d, want %d", got, total)
	}
	if emitted == 0 || total == 0 {
		t.Fatalf("the run exercised too little: %d emitted, %d suppressed", emitted, total)
	}
}

func TestLeastRecentlyUsedKeyIsForgotten(t *testing.T) {
	b := New(Options{Burst: 1, Every: time.Hour, MaxKeys: 2, GlobalBurst: 100, GlobalEvery: time.Second})
	runSteps(t, b, []step{
		{key: "a", emit: true},
		{key: "a", emit: false}, // a has one folded
		{key: "b", emit: true},
		{key: "a", emit: false}, // a is now the most recent, a has two folded
		{key: "c", emit: true},  // forgets b
	})
	if got := b.Keys(); got != 2 {
		t.Fatalf("Keys() = %d, want 2", got)
	}
	runSteps(t, b, []step{
		{key: "b", emit: true}, // b was forgotten: a fresh, full bucket; forgets a
		{key: "a", emit: true}, // a was forgotten with its folds; forgets c
		{key: "b", emit: false},
	})
	if got := b.Keys(); got != 2 {
		t.Fatalf("Keys() = %d, want 2", got)
	}
	if got := b.Suppressed(); got != 3 {
		t.Fatalf("Suppressed() = %d, want 3 (forgotten keys' refusals still count)", got)
	}
}

// TestConcurrentAllow is meant for -race. At one instant the budget can emit
// exactly min(GlobalBurst, keys×Burst) events, whatever the interleaving.
func TestConcurrentAllow(t *testing.T) {
	const goroutines, calls, keys = 8, 500, 5
	b := New(Options{Burst: 3, Every: time.Minute, GlobalBurst: 12, GlobalEvery: time.Minute})
	var mu sync.Mutex
	emitted, folded := 0, 0
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, f := 0, 0
			for i := range calls {
				d := b.Allow(fmt.Sprintf("k%d", (g+i)%keys), t0)
				if d.Emit {
					e++
				}
				f += d.Folded
			}
			mu.Lock()
			emitted += e
			folded += f
			mu.Unlock()
		}()
	}
	wg.Wait()
	if emitted != 12 {
		t.Fatalf("emitted %d, want 12", emitted)
	}
	if got, want := b.Suppressed(), int64(goroutines*calls-12); got != want {
		t.Fatalf("Suppressed() = %d, want %d", got, want)
	}
	// An hour on, every bucket is full: each key emits once and reports
	// all its refusals.
	for k := range keys {
		folded += b.Allow(fmt.Sprintf("k%d", k), t0.Add(time.Hour)).Folded
	}
	if int64(folded) != b.Suppressed() {
		t.Fatalf("folds reported %d, suppressed %d", folded, b.Suppressed())
	}
}

func TestSuffix(t *testing.T) {
	tests := []struct {
		d    Decision
		want string
	}{
		{Decision{Emit: true}, ""},
		{Decision{Emit: true, Folded: 12, Since: t0}, " (and 12 more since 10:04:05 UTC)"},
		{Decision{Emit: true, Folded: 1, Since: t0.In(time.FixedZone("CET", 3600))}, " (and 1 more since 10:04:05 UTC)"},
	}
	for _, tt := range tests {
		if got := tt.d.Suffix(); got != tt.want {
			t.Errorf("%+v.Suffix() = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	bud := New(Options{MaxKeys: 64})
	keys := make([]string, 128) // twice MaxKeys: eviction on every miss
	for i := range keys {
		keys[i] = fmt.Sprintf("SYM%d/BUY", i)
	}
	now := t0
	for i := 0; b.Loop(); i++ {
		now = now.Add(time.Millisecond)
		bud.Allow(keys[i%len(keys)], now)
	}
}
