package exchange

import (
	"testing"
	"time"
)

func TestWindowIndex(t *testing.T) {
	tests := []struct {
		at   time.Time
		size time.Duration
		want int64
	}{
		{time.UnixMilli(0), minute, 0},
		{time.UnixMilli(59_999), minute, 0},
		{time.UnixMilli(60_000), minute, 1},
		{time.UnixMilli(-1), minute, -1},
		{time.UnixMilli(19_999), tenSeconds, 1},
		{time.Date(2026, 7, 1, 23, 59, 59, 0, time.UTC), day, 20635},
		{time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC), day, 20636},
	}
	for _, tt := range tests {
		if got := windowIndex(tt.at, tt.size); got != tt.want {
			t.Errorf("windowIndex(%v, %v) = %d, want %d", tt.at.UTC(), tt.size, got, tt.want)
		}
		if end := windowEnd(tt.want, tt.size); !end.After(tt.at) || end.Sub(tt.at) > tt.size {
			t.Errorf("windowEnd(%d, %v) = %v does not end the window holding %v", tt.want, tt.size, end.UTC(), tt.at.UTC())
		}
	}
}

// TestWeightBudget walks one budget through a sequence of reservations,
// server reports and refunds; each step states what the budget must say.
func TestWeightBudget(t *testing.T) {
	w0 := windowIndex(minuteStart, minute)
	end0 := windowEnd(w0, minute)
	at := func(d time.Duration) time.Time { return minuteStart.Add(d) }
	b := newWeightBudget(100, 0.95) // 95 allowed; burst 80 (the heaviest request)

	reserve := func(w int64, now time.Time, n int) func() (bool, time.Duration) {
		return func() (bool, time.Duration) {
			_, wait, ok := b.tryReserve(w, windowEnd(w, minute), now, n)
			return ok, wait
		}
	}
	report := func(w int64, used int) func() (bool, time.Duration) {
		return func() (bool, time.Duration) { b.observe(w, used); return true, 0 }
	}
	steps := []struct {
		name     string
		do       func() (ok bool, wait time.Duration)
		wantOK   bool
		wantWait time.Duration
		window   int64 // whose use is checked
		wantUsed int
	}{
		{"first request", reserve(w0, at(time.Second), 20), true, 0, w0, 20},
		{"server counts more (another process)", report(w0, 50), true, 0, w0, 50},
		{"an older window's report is ignored", report(w0-1, 90), true, 0, w0, 50},
		{"a request fits up to the allowance", reserve(w0, at(2*time.Second), 45), true, 0, w0, 95},
		{"one more waits for the next window", reserve(w0, at(3*time.Second), 1), false, end0.Sub(at(3 * time.Second)), w0, 95},
		{"a lower server count never lowers ours", report(w0, 10), true, 0, w0, 95},
		{"the next window starts empty", reserve(w0+1, end0, 5), true, 0, w0 + 1, 5},
		{"a refund of an unsent request", func() (bool, time.Duration) {
			tk, _, ok := b.tryReserve(w0+1, windowEnd(w0+1, minute), end0, 7)
			b.refund(tk)
			return ok, 0
		}, true, 0, w0 + 1, 5},
		{"a refund for a window gone by changes nothing", func() (bool, time.Duration) {
			b.refund(weightTicket{window: w0, n: 5})
			return true, 0
		}, true, 0, w0 + 1, 5},
		{"the old window reads empty once passed", func() (bool, time.Duration) { return true, 0 }, true, 0, w0, 0},
	}
	for _, s := range steps {
		ok, wait := s.do()
		if ok != s.wantOK || wait != s.wantWait {
			t.Fatalf("%s: ok=%v wait=%v, want ok=%v wait=%v", s.name, ok, wait, s.wantOK, s.wantWait)
		}
		if got := b.used(s.window); got != s.wantUsed {
			t.Fatalf("%s: used = %d, want %d", s.name, got, s.wantUsed)
		}
	}
}

// TestWeightBudgetHeavyRequest: a request heavier than the whole allowance
// still goes, alone, into an empty window; it must not wait forever.
func TestWeightBudgetHeavyRequest(t *testing.T) {
	b := newWeightBudget(50, 0.95) // 47 allowed
	w := windowIndex(minuteStart, minute)
	if _, _, ok := b.tryReserve(w, windowEnd(w, minute), minuteStart, 80); !ok {
		t.Fatal("a heavy request into an empty window was refused")
	}
	if _, _, ok := b.tryReserve(w, windowEnd(w, minute), minuteStart, 1); ok {
		t.Fatal("a request after the heavy one was allowed into the same window")
	}
}

// TestWeightBudgetSmoothsBursts: with a large limit the bucket lets a
// quarter of the allowance go at once, then refills at allowance/minute.
func TestWeightBudgetSmoothsBursts(t *testing.T) {
	b := newWeightBudget(6000, 0.95) // 5700 allowed, burst 1425, 95 a second
	w := windowIndex(minuteStart, minute)
	end := windowEnd(w, minute)
	now := minuteStart.Add(time.Second)
	if _, _, ok := b.tryReserve(w, end, now, 1425); !ok {
		t.Fatal("the burst was refused")
	}
	_, wait, ok := b.tryReserve(w, end, now, 95)
	if ok || wait != time.Second {
		t.Fatalf("after the burst: ok=%v wait=%v, want a wait of 1s", ok, wait)
	}
	if _, _, ok := b.tryReserve(w, end, now.Add(time.Second), 95); !ok {
		t.Fatal("refused after the bucket refilled")
	}
	if got := b.used(w); got != 1520 {
		t.Fatalf("used = %d, want 1520 (the refused reservation left nothing behind)", got)
	}
}

// TestWeightBudgetLearnsLimitPastDefault: a process that starts when the
// server's count for the minute already passes the assumed default may
// still read exchangeInfo at once; once the limit is known, the usual
// rules hold.
func TestWeightBudgetLearnsLimitPastDefault(t *testing.T) {
	b := newWeightBudget(defaultWeightLimit, 0.95)
	w := windowIndex(minuteStart, minute)
	end := windowEnd(w, minute)
	b.observe(w, 9000) // another process on this IP, under a larger limit
	if _, _, ok := b.tryReserve(w, end, minuteStart, 20); ok {
		t.Fatal("an ordinary request went past the assumed limit")
	}
	if _, ok := b.reserveToLearn(w, 20); !ok {
		t.Fatal("the request that learns the limit had to wait")
	}
	if got := b.used(w); got != 9020 {
		t.Fatalf("used = %d, want 9020", got)
	}
	b.setLimit(100_000, minuteStart)
	if _, ok := b.reserveToLearn(w, 20); ok {
		t.Fatal("a learning reservation bypassed a known limit")
	}
	if _, _, ok := b.tryReserve(w, end, minuteStart, 20); !ok {
		t.Fatal("refused under the learned limit")
	}
}

// TestWeightBudgetShare: a replica given a third of the budget keeps its
// own weight to that third, and everyone's (the server's count) to the
// whole; a new share applies at once.
func TestWeightBudgetShare(t *testing.T) {
	b := newWeightBudget(100, 0.95) // 95 allowed in all
	w := windowIndex(minuteStart, minute)
	now := minuteStart.Add(time.Second)
	try := func(n int) bool {
		_, _, ok := b.tryReserve(w, windowEnd(w, minute), now, n)
		return ok
	}
	b.setShare(1.0/3, now) // 31 for us
	if !try(31) {
		t.Fatal("our third refused")
	}
	if try(1) {
		t.Fatal("a request past our third was let through")
	}
	b.setShare(1, now)
	if !try(10) {
		t.Fatal("the whole budget given back, and still refused")
	}

	// Next window: the others spent 60; our third still fits, but not
	// past the whole.
	w++
	now = windowEnd(w-1, minute)
	b.setShare(1.0/3, now)
	b.observe(w, 60)
	if !try(30) {
		t.Fatal("30 of our 31 refused with 60 of 95 used by others")
	}
	b.setShare(1, now)
	if try(6) {
		t.Fatal("the whole budget overrun: 60 + 30 + 6 > 95")
	}
}

// TestRegistryWeightShare: the share reaches endpoints made before and
// after it is set; a share out of range counts as the whole.
func TestRegistryWeightShare(t *testing.T) {
	r := NewRegistry(RegistryOptions{})
	defer r.Close()
	before := r.Endpoint(URLs{REST: "http://127.0.0.1:1"})
	r.SetWeightShare(0.25)
	after := r.Endpoint(URLs{REST: "http://127.0.0.1:2"})
	for _, e := range []*Endpoint{before, after} {
		if a := e.budget.allowed(); a != 1425 { // 6000 × 0.95 / 4
			t.Errorf("%s allows %d, want 1425", e.urls.REST, a)
		}
	}
	r.SetWeightShare(0)
	if a := before.budget.allowed(); a != 5700 {
		t.Errorf("share 0 gives %d, want the whole 5700", a)
	}
}
