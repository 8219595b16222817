package klineinterval

import (
	"testing"
	"time"
)

func TestOpenPrevNext(t *testing.T) {
	at := time.Date(2026, 7, 1, 12, 34, 56, 789e6, time.UTC) // a Wednesday
	tests := []struct {
		interval         string
		open, prev, next time.Time
	}{
		{"1s", at.Truncate(time.Second), at.Truncate(time.Second).Add(-time.Second), at.Truncate(time.Second).Add(time.Second)},
		{"1m", time.Date(2026, 7, 1, 12, 34, 0, 0, time.UTC), time.Date(2026, 7, 1, 12, 33, 0, 0, time.UTC), time.Date(2026, 7, 1, 12, 35, 0, 0, time.UTC)},
		{"15m", time.Date(2026, 7, 1, 12, 30, 0, 0, time.UTC), time.Date(2026, 7, 1, 12, 15, 0, 0, time.UTC), time.Date(2026, 7, 1, 12, 45, 0, 0, time.UTC)},
		{"4h", time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)},
		{"1d", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)},
		// 20635 days after the epoch is 2026-07-01; 3-day klines count from the epoch: 20634 = 3×6878.
		{"3d", time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 3, 0, 0, 0, 0, time.UTC)},
		{"1w", time.Date(2026, 6, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 22, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 6, 0, 0, 0, 0, time.UTC)},
		{"1M", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		iv, ok := Parse(tt.interval)
		if !ok {
			t.Fatalf("%s: unknown", tt.interval)
		}
		open := iv.Open(at)
		if !open.Equal(tt.open) || !iv.Prev(open).Equal(tt.prev) || !iv.Next(open).Equal(tt.next) {
			t.Fatalf("%s: open %v prev %v next %v; want %v %v %v", tt.interval, open, iv.Prev(open), iv.Next(open), tt.open, tt.prev, tt.next)
		}
	}
	if open := mustParse(t, "1w").Open(time.Date(2026, 6, 29, 0, 0, 0, 0, time.UTC)); open.Weekday() != time.Monday {
		t.Fatalf("a week opens on %v", open.Weekday())
	}
	if iv := mustParse(t, "1M"); !iv.Prev(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Equal(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("the month before January is not December")
	}
	if _, ok := Parse("1H"); ok {
		t.Fatal("1H is not an interval")
	}
}

func mustParse(t *testing.T, name string) Interval {
	t.Helper()
	iv, ok := Parse(name)
	if !ok {
		t.Fatalf("%s: unknown", name)
	}
	return iv
}

func TestWidth(t *testing.T) {
	for name, want := range map[string]time.Duration{"1s": time.Second, "3m": 3 * time.Minute, "12h": 12 * time.Hour, "1w": 7 * 24 * time.Hour} {
		if w, fixed := mustParse(t, name).Width(); !fixed || w != want {
			t.Errorf("%s: width %v (fixed %v), want %v", name, w, fixed, want)
		}
	}
	if _, fixed := mustParse(t, "1M").Width(); fixed {
		t.Error("months have no fixed width")
	}
}
