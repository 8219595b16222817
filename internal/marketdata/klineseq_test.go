package marketdata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fakeFetcher serves klines opening at the given minutes after testStart,
// after release is closed (if set); err fails every call.
type fakeFetcher struct {
	minutes []int
	err     error
	release chan struct{}

	mu     sync.Mutex
	starts []int // minute of every request's start
}

func (f *fakeFetcher) Klines(ctx context.Context, symbol, interval string, start time.Time, limit int) ([]Kline, error) {
	f.mu.Lock()
	f.starts = append(f.starts, minuteOf(start))
	f.mu.Unlock()
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	var out []Kline
	for _, m := range f.minutes {
		if open := at(m); !open.Before(start) && len(out) < limit {
			out = append(out, Kline{OpenTime: open, CloseTime: open.Add(time.Minute - time.Millisecond), Close: decimal.NewFromInt(int64(m))})
		}
	}
	return out, nil
}

func at(minute int) time.Time { return testStart.Add(time.Duration(minute) * time.Minute) }

func minuteOf(t time.Time) int { return int(t.Sub(testStart) / time.Minute) }

// kline is a live kline event; e orders open updates.
func kline(minute int, closed bool, e int) Event {
	open := at(minute)
	return Event{
		Stream: "btcusdt@kline_1m", Symbol: "BTCUSDT", Kind: KindKline,
		Kline:     &Kline{OpenTime: open, CloseTime: open.Add(time.Minute - time.Millisecond), Closed: closed, Close: decimal.NewFromInt(int64(minute))},
		EventTime: open.Add(time.Duration(e) * time.Second),
	}
}

// describe renders what a subscriber saw: c3 is the closed kline of minute
// 3, b3 the same backfilled, o3 an open update, gap[1,3) a lost range.
func describe(ev Event) string {
	switch {
	case ev.Kind == KindGap:
		return fmt.Sprintf("gap[%d,%d)", minuteOf(ev.Gap.From), minuteOf(ev.Gap.To))
	case ev.Kline == nil:
		return "?"
	case ev.Backfilled:
		return fmt.Sprintf("b%d", minuteOf(ev.Kline.OpenTime))
	case ev.Kline.Closed:
		return fmt.Sprintf("c%d", minuteOf(ev.Kline.OpenTime))
	}
	return fmt.Sprintf("o%d", minuteOf(ev.Kline.OpenTime))
}

func TestKlineSequencing(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		fetcher *fakeFetcher // nil: no backfill
		max     int
		// live events before the fetcher is released, and after.
		before, after []Event
		want          []string
		wantStarts    []int
	}{{
		name:   "in order",
		before: []Event{kline(0, false, 1), kline(0, true, 60), kline(1, false, 61), kline(1, true, 120)},
		want:   []string{"o0", "c0", "o1", "c1"},
	}, {
		name: "repeats and late updates dropped",
		before: []Event{kline(0, true, 60), kline(0, true, 60), kline(1, false, 65), kline(1, false, 65),
			kline(0, false, 59), kline(1, true, 120), kline(1, true, 120), kline(1, false, 70)},
		want: []string{"c0", "o1", "c1"},
	}, {
		name:    "gap found by an open kline is backfilled first",
		fetcher: &fakeFetcher{minutes: []int{1, 2, 3}, release: make(chan struct{})},
		before:  []Event{kline(0, true, 60), kline(3, false, 181), kline(3, true, 240)},
		// the open update of minute 3 waited, and its close superseded it
		want:       []string{"c0", "b1", "b2", "c3"},
		wantStarts: []int{1},
	}, {
		name:       "gap found by a closed kline",
		fetcher:    &fakeFetcher{minutes: []int{0, 1, 2}},
		before:     []Event{kline(0, false, 1), kline(2, true, 180)},
		want:       []string{"o0", "b0", "b1", "c2"},
		wantStarts: []int{0},
	}, {
		name:    "events during a backfill wait and are de-duplicated",
		fetcher: &fakeFetcher{minutes: []int{1, 2, 3, 4}, release: make(chan struct{})},
		before:  []Event{kline(0, true, 60), kline(3, false, 181), kline(3, true, 240), kline(4, false, 241), kline(2, true, 180), kline(4, false, 242)},
		// the open kline of minute 4 is conflated to its latest update
		want:       []string{"c0", "b1", "b2", "c3", "o4"},
		wantStarts: []int{1},
	}, {
		name:       "a second gap during a backfill is fetched next",
		fetcher:    &fakeFetcher{minutes: []int{1, 2, 3, 4, 5, 6}, release: make(chan struct{})},
		before:     []Event{kline(0, true, 60), kline(2, false, 121), kline(2, true, 180), kline(5, true, 360)},
		want:       []string{"c0", "b1", "c2", "b3", "b4", "c5"},
		wantStarts: []int{1, 3},
	}, {
		name:       "backfill failing reports a gap",
		fetcher:    &fakeFetcher{err: boom},
		before:     []Event{kline(0, true, 60), kline(3, false, 181)},
		want:       []string{"c0", "gap[1,3)", "o3"},
		wantStarts: []int{1, 1},
	}, {
		name:       "missing klines are reported",
		fetcher:    &fakeFetcher{minutes: []int{2}},
		before:     []Event{kline(0, true, 60), kline(4, true, 300)},
		want:       []string{"c0", "gap[1,2)", "b2", "gap[3,4)", "c4"},
		wantStarts: []int{1},
	}, {
		name:       "long gaps fetch the newest MaxBackfill",
		fetcher:    &fakeFetcher{minutes: []int{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		max:        2,
		before:     []Event{kline(0, true, 60), kline(10, false, 601)},
		want:       []string{"c0", "gap[1,8)", "b8", "b9", "o10"},
		wantStarts: []int{8},
	}, {
		name:   "no fetcher reports the gap at once",
		before: []Event{kline(0, true, 60), kline(2, false, 121), kline(2, true, 180)},
		want:   []string{"c0", "gap[1,2)", "o2", "c2"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := testHub(t, func(o *Options) {
				o.BackfillAttempts = 2
				o.ReconnectBase = time.Millisecond
				o.MaxBackfill = tc.max
				if tc.fetcher != nil {
					o.Backfill = func(string) KlineFetcher { return tc.fetcher }
				}
			})
			eventually(t, "the hub to run", func() bool {
				h.mu.Lock()
				defer h.mu.Unlock()
				return h.phase == hubRunning
			})
			f := newFeed(h, "ws://unit.test")
			st := newStream(f, StreamName{Symbol: "BTCUSDT", Kind: KindKline, Interval: "1m"}, testStart)
			sentinel := newStream(f, StreamName{Symbol: "BTCUSDT", Kind: KindTicker}, testStart)
			sub := newSubscription(f, SubscribeOptions{Buffer: 64})
			st.addSub(sub)
			sentinel.addSub(sub)
			go sub.pump()
			defer sub.Close()

			for _, ev := range tc.before {
				st.handle(ev)
			}
			if tc.fetcher != nil && tc.fetcher.release != nil {
				close(tc.fetcher.release)
			}
			eventually(t, "the backfill to end", func() bool {
				st.mu.Lock()
				defer st.mu.Unlock()
				return !st.klines.backfilling
			})
			sentinel.handle(Event{Stream: "btcusdt@ticker", Kind: KindTicker, Ticker: &Ticker{}, EventTime: at(100)})

			var got []string
			for ev := range sub.Events() {
				if ev.Kind == KindTicker {
					break
				}
				got = append(got, describe(ev))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("delivered %v, want %v", got, tc.want)
			}
			if tc.fetcher != nil {
				tc.fetcher.mu.Lock()
				starts := tc.fetcher.starts
				tc.fetcher.mu.Unlock()
				if !slices.Equal(starts, tc.wantStarts) {
					t.Errorf("fetched from minutes %v, want %v", starts, tc.wantStarts)
				}
			}
		})
	}
}
