package exchange

import (
	"context"
	"sync"
	"time"
)

// orderBudget is an account's ORDERS per 10 seconds and per day, shared by
// every bot trading on the account. Like the weight budget it counts its
// own orders per fixed window and takes the server's X-MBX-ORDER-COUNT-*
// when larger. A full 10-second window makes the caller wait; a spent day
// fails the order, since waiting would take hours.
type orderBudget struct {
	safety float64

	mu  sync.Mutex
	ten windowCount
	day windowCount
}

// windowCount is our count and the server's in one window.
type windowCount struct {
	index        int64
	ours, server int
}

func (c *windowCount) roll(index int64) {
	if c.index != index {
		*c = windowCount{index: index}
	}
}

func (c *windowCount) used(index int64) int {
	if c.index != index {
		return 0
	}
	return max(c.ours, c.server)
}

// orderTicket can give an order's reservation back if it was never sent.
type orderTicket struct {
	b        *orderBudget
	ten, day int64
}

func (t orderTicket) refund() {
	if t.b == nil {
		return
	}
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if t.b.ten.index == t.ten {
		t.b.ten.ours = max(t.b.ten.ours-1, 0)
	}
	if t.b.day.index == t.day {
		t.b.day.ours = max(t.b.day.ours-1, 0)
	}
}

// acquire reserves one order under limits.
func (b *orderBudget) acquire(ctx context.Context, clk clock, win windower, limits orderLimits) (orderTicket, error) {
	allowed10 := max(int(float64(limits.per10s)*b.safety), 1)
	allowedDay := max(int(float64(limits.perDay)*b.safety), 1)
	for {
		now := clk.now()
		wt := win.windowTime(now)
		w10, wd := windowIndex(wt, tenSeconds), windowIndex(wt, day)
		b.mu.Lock()
		b.ten.roll(w10)
		b.day.roll(wd)
		used10, usedDay := b.ten.used(w10), b.day.used(wd)
		switch {
		case usedDay+1 > allowedDay:
			b.mu.Unlock()
			until := now.Add(windowEnd(wd, day).Sub(wt))
			return orderTicket{}, &Error{Class: ClassRateLimited, Path: pathOrder, Until: until, Err: ErrOrderLimit}
		case used10+1 > allowed10:
			b.mu.Unlock()
			if err := clk.sleep(ctx, windowEnd(w10, tenSeconds).Sub(wt)); err != nil {
				return orderTicket{}, &Error{Class: ClassCanceled, Path: pathOrder, Err: err}
			}
			continue
		}
		b.ten.ours, b.day.ours = used10+1, usedDay+1
		b.mu.Unlock()
		return orderTicket{b: b, ten: w10, day: wd}, nil
	}
}

// observe takes the server's order counts from a response to a request
// sent and answered in the same windows.
func (b *orderBudget) observe(win windower, sent time.Time, info ResponseInfo) {
	ws, wr := win.windowTime(sent), win.windowTime(info.At)
	b.mu.Lock()
	defer b.mu.Unlock()
	if w := windowIndex(ws, tenSeconds); info.OrderCount10s >= 0 && w == windowIndex(wr, tenSeconds) && w >= b.ten.index {
		b.ten.roll(w)
		b.ten.server = max(b.ten.server, info.OrderCount10s)
	}
	if w := windowIndex(ws, day); info.OrderCount1d >= 0 && w == windowIndex(wr, day) && w >= b.day.index {
		b.day.roll(w)
		b.day.server = max(b.day.server, info.OrderCount1d)
	}
}

func (b *orderBudget) counts(win windower, now time.Time) (ten, oneDay int) {
	wt := win.windowTime(now)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ten.used(windowIndex(wt, tenSeconds)), b.day.used(windowIndex(wt, day))
}
