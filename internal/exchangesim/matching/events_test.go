package matching

import (
	"reflect"
	"testing"
	"time"
)

func TestEventSequences(t *testing.T) {
	tests := []struct {
		name  string
		setup []OrderRequest
		req   OrderRequest
		want  []string
	}{
		{"resting limit", nil, tst(SideBuy, TypeLimit, GTC, "1", "99"),
			[]string{"a:NEW/NEW", "a:POS[USDT]"}},
		{"limit maker", nil, tst(SideSell, TypeLimitMaker, "", "1", "101"),
			[]string{"a:NEW/NEW", "a:POS[TST]"}},
		{"market over two levels", nil, tst(SideBuy, TypeMarket, "", "12", ""),
			[]string{"a:NEW/NEW", "a:TRADE/PARTIALLY_FILLED", "a:TRADE/FILLED", "a:POS[TST,USDT]"}},
		{"crossing GTC that rests", nil, tst(SideSell, TypeLimit, GTC, "12", "99.85"),
			[]string{"a:NEW/NEW", "a:TRADE/PARTIALLY_FILLED", "a:POS[TST,USDT]"}},
		{"IOC partly filled", nil, tst(SideBuy, TypeLimit, IOC, "12", "100.15"),
			[]string{"a:NEW/NEW", "a:TRADE/PARTIALLY_FILLED", "a:EXPIRED/EXPIRED", "a:POS[TST,USDT]"}},
		{"IOC not filled: no balance changed", nil, tst(SideBuy, TypeLimit, IOC, "1", "99"),
			[]string{"a:NEW/NEW", "a:EXPIRED/EXPIRED"}},
		{"FOK not filled", nil, tst(SideBuy, TypeLimit, FOK, "12", "100.15"),
			[]string{"a:NEW/NEW", "a:EXPIRED/EXPIRED"}},
		{"market into an empty book",
			[]OrderRequest{tst(SideBuy, TypeMarket, "", "25", ""), tst(SideBuy, TypeMarket, "", "4.94", "")},
			tst(SideBuy, TypeMarket, "", "1", ""),
			[]string{"a:NEW/NEW", "a:EXPIRED/EXPIRED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fund("a", map[string]string{"USDT": "10000", "TST": "100"})
			for _, r := range tt.setup {
				f.place("a", r)
			}
			f.clock.Advance(time.Second)
			o, fills, ev := f.place("a", tt.req)
			if got := eventKinds(ev); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
			checkEventDetails(t, f, o, fills, ev)
		})
	}
}

// checkEventDetails checks what every sequence shares: event times, the
// order carried by each report, LastFill only on TRADE and matching the
// returned fills in order, cumulative quantities growing, and positions that
// agree with Balances.
func checkEventDetails(t *testing.T, f *fixture, o Order, fills []Fill, ev []Event) {
	t.Helper()
	now := f.clock.Now()
	var trades int
	var last Order
	for i, e := range ev {
		switch e := e.(type) {
		case ExecutionReport:
			if !e.EventTime.Equal(now) || e.Account != "a" || e.AccountID() != "a" {
				t.Errorf("event %d: time %v account %q", i, e.EventTime, e.Account)
			}
			if e.Order.OrderID != o.OrderID || e.Order.ClientOrderID != o.ClientOrderID {
				t.Errorf("event %d is for order %d, want %d", i, e.Order.OrderID, o.OrderID)
			}
			if i > 0 && e.Order.ExecutedQty.LessThan(last.ExecutedQty) {
				t.Errorf("event %d: executed qty went down", i)
			}
			if e.ExecutionType == ExecTrade {
				if e.LastFill == nil || trades >= len(fills) || *e.LastFill != fills[trades] {
					t.Errorf("event %d: last fill %+v, want fill %d of %s", i, e.LastFill, trades, fillsString(fills))
				}
				trades++
			} else if e.LastFill != nil {
				t.Errorf("event %d (%s) has a fill", i, e.ExecutionType)
			}
			last = e.Order
		case AccountPosition:
			if i != len(ev)-1 {
				t.Errorf("position at %d, want it last", i)
			}
			for _, b := range e.Balances {
				f.wantBalance("a", b.Asset, b.Free.String(), b.Locked.String())
			}
		}
	}
	if trades != len(fills) {
		t.Errorf("%d TRADE events for %d fills", trades, len(fills))
	}
	if last != o {
		t.Errorf("last report's order %+v, want the returned %+v", last, o)
	}
}
