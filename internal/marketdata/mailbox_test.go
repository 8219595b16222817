package marketdata

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestMailbox(t *testing.T) {
	// put describes one put: "L a 1" a latest value 1 of stream a, "Q a 1" a
	// queued one; take removes one event.
	type op struct {
		kind   byte // 'L', 'Q', 'G' (a reported gap of v events) or 'T' (take)
		stream string
		value  int
	}
	L := func(s string, v int) op { return op{'L', s, v} }
	Q := func(s string, v int) op { return op{'Q', s, v} }
	G := func(s string, v int) op { return op{'G', s, v} }
	T := op{kind: 'T'}
	tests := []struct {
		name                     string
		capacity                 int
		ops                      []op
		want                     []string // what the remaining takes return, in order
		conflated, dropped, gaps int64
	}{{
		name:      "latest values conflate per stream",
		capacity:  4,
		ops:       []op{L("a", 1), L("b", 1), L("a", 2), L("a", 3), L("b", 2)},
		want:      []string{"a=3", "b=2"},
		conflated: 3,
	}, {
		name:     "queued events keep order and are never conflated",
		capacity: 4,
		ops:      []op{Q("a", 1), Q("a", 2), Q("b", 1), Q("a", 3)},
		want:     []string{"a=1", "a=2", "b=1", "a=3"},
	}, {
		name:      "a queued event seals the latest value before it",
		capacity:  4,
		ops:       []op{L("a", 1), L("a", 2), Q("a", 10), L("a", 3), L("a", 4)},
		want:      []string{"a=2", "a=10", "a=4"},
		conflated: 2,
	}, {
		name:     "overflow drops queued events into one gap marker",
		capacity: 2,
		ops:      []op{Q("a", 1), Q("a", 2), Q("a", 3), Q("a", 4), L("b", 1), Q("b", 5)},
		want:     []string{"a=1", "a=2", "gap a 2 [3,4]", "b=1", "gap b 1 [5,5]"},
		dropped:  3,
		gaps:     2,
	}, {
		name:     "after a take there is room again, behind the marker",
		capacity: 2,
		ops:      []op{Q("a", 1), Q("a", 2), Q("a", 3), T, Q("a", 4), Q("a", 5)},
		want:     []string{"a=2", "gap a 2 [3,5]", "a=4"},
		dropped:  2,
		gaps:     1,
	}, {
		name:     "a delivered marker is not reused",
		capacity: 1,
		ops:      []op{Q("a", 1), Q("a", 2), T, T, Q("a", 3), Q("a", 4)},
		want:     []string{"a=3", "gap a 1 [4,4]"},
		dropped:  2,
		gaps:     2,
	}, {
		name:     "a reported gap takes a slot, and is folded into the marker when full",
		capacity: 2,
		ops:      []op{G("a", 5), Q("a", 1), G("a", 7), Q("a", 2)},
		want:     []string{"reported a 5", "a=1", "gap a 8 [7,7]"},
		dropped:  1,
		gaps:     2,
	}, {
		name:      "taking everything then putting again",
		capacity:  2,
		ops:       []op{L("a", 1), Q("b", 1), T, T, L("a", 2), L("a", 3)},
		want:      []string{"a=3"},
		conflated: 1,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMailbox(tc.capacity)
			value := func(s string, v int) Event {
				at := testStart.Add(time.Duration(v) * time.Second)
				return Event{Stream: s, Kind: KindTrade, Trade: &Trade{ID: int64(v), Time: at}, EventTime: at}
			}
			for _, o := range tc.ops {
				switch o.kind {
				case 'L':
					m.putLatest(value(o.stream, o.value))
				case 'Q':
					m.putQueued(value(o.stream, o.value))
				case 'G':
					at := testStart.Add(time.Duration(o.value) * time.Second)
					m.putGap(Event{Stream: o.stream, Kind: KindGap, Gap: &Gap{Reason: GapMissed, Dropped: int64(o.value), From: at, To: at}})
				case 'T':
					if _, ok := m.take(); !ok {
						t.Fatal("take on an empty mailbox")
					}
				}
			}
			var got []string
			for {
				ev, ok := m.take()
				if !ok {
					break
				}
				if ev.Kind == KindGap && ev.Gap.Reason != GapOverflow {
					got = append(got, fmt.Sprintf("reported %s %d", ev.Stream, ev.Gap.Dropped))
					continue
				}
				if ev.Kind == KindGap {
					g := ev.Gap
					got = append(got, fmt.Sprintf("gap %s %d [%d,%d]", ev.Stream, g.Dropped,
						int(g.From.Sub(testStart)/time.Second), int(g.To.Sub(testStart)/time.Second)))
					continue
				}
				got = append(got, fmt.Sprintf("%s=%d", ev.Stream, ev.Trade.ID))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("took %v, want %v", got, tc.want)
			}
			conflated, dropped, gaps := m.counts()
			if conflated != tc.conflated || dropped != tc.dropped || gaps != tc.gaps {
				t.Errorf("counts conflated %d dropped %d gaps %d, want %d %d %d", conflated, dropped, gaps, tc.conflated, tc.dropped, tc.gaps)
			}
			if m.pending() != 0 {
				t.Errorf("%d pending after draining", m.pending())
			}
		})
	}
}

// However a slow reader falls behind, a mailbox never holds more than twice
// its capacity plus three items per stream.
func TestMailboxIsBounded(t *testing.T) {
	const capacity, streams = 8, 4
	m := newMailbox(capacity)
	maxPending := 0
	for i := range 10000 {
		s := fmt.Sprint(i % streams)
		ev := Event{Stream: s, Kind: KindTrade, Trade: &Trade{ID: int64(i)}}
		switch i % 7 {
		case 0, 3:
			m.putQueued(ev)
		case 5:
			m.putGap(Event{Stream: s, Kind: KindGap, Gap: &Gap{Reason: GapMissed, Dropped: 1}})
		default:
			m.putLatest(ev)
		}
		if i%50 == 0 {
			m.take()
		}
		maxPending = max(maxPending, m.pending())
	}
	if bound := 2*capacity + 3*streams; maxPending > bound {
		t.Fatalf("%d items pending, bound %d", maxPending, bound)
	}
	m.close()
	m.putQueued(Event{Stream: "x"})
	if m.pending() != 0 {
		t.Fatal("a closed mailbox took an event")
	}
}
