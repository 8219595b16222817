package limits

import (
	"net/http"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// OrderDecision is the outcome of one new order.
type OrderDecision struct {
	// Err is nil when the order may be placed, else -1015 with status 429.
	Err *apierr.Error
	// RetryAfter is for the Retry-After header when refused: until the window
	// that is full resets, whole seconds, at least 1.
	RetryAfter time.Duration
	// Count10s and Count1d are the account's order counts after this order, for
	// the X-MBX-ORDER-COUNT-10S and -1D headers.
	Count10s, Count1d int
}

// Order counts one new order for account. An order refused here is not
// counted, since it never reaches the book.
func (l *Limiter) Order(account string) OrderDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	l.sweepIfDue(now)
	st := l.accounts[account]
	if st == nil {
		st = &accountState{}
		l.accounts[account] = st
	}
	nowMs := now.UnixMilli()
	tenSecondWindow := windowIndex(nowMs, tenSecondsMs)
	dayWindow := windowIndex(nowMs, dayMs)
	d := OrderDecision{Count10s: st.tenSeconds.value(tenSecondWindow), Count1d: st.day.value(dayWindow)}
	// The day window is the longer one, so it wins when both are full.
	switch {
	case d.Count1d >= l.cfg.OrdersPerDay:
		return l.refuseOrder(d, l.ordersDayMsg, now, windowEnd(dayWindow, dayMs))
	case d.Count10s >= l.cfg.OrdersPer10s:
		return l.refuseOrder(d, l.orders10sMsg, now, windowEnd(tenSecondWindow, tenSecondsMs))
	}
	d.Count10s = st.tenSeconds.add(tenSecondWindow, 1)
	d.Count1d = st.day.add(dayWindow, 1)
	return d
}

func (l *Limiter) refuseOrder(d OrderDecision, msg string, now, until time.Time) OrderDecision {
	l.limited429++
	d.Err = apierr.New(http.StatusTooManyRequests, apierr.CodeTooManyOrders, msg)
	d.RetryAfter = retryAfter(now, until)
	return d
}

// OrderCounts is the account's new orders in the current 10-second window and
// UTC day.
func (l *Limiter) OrderCounts(account string) (count10s, count1d int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.accounts[account]
	if st == nil {
		return 0, 0
	}
	nowMs := l.cfg.Now().UnixMilli()
	return st.tenSeconds.value(windowIndex(nowMs, tenSecondsMs)), st.day.value(windowIndex(nowMs, dayMs))
}
