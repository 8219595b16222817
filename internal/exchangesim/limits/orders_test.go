package limits

import (
	"net/http"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func wantOrder(t *testing.T, d OrderDecision, count10s, count1d int) {
	t.Helper()
	if d.Err != nil || d.RetryAfter != 0 || d.Count10s != count10s || d.Count1d != count1d {
		t.Fatalf("order decision = {%v %v %d %d}, want allowed with counts %d/%d",
			d.Err, d.RetryAfter, d.Count10s, d.Count1d, count10s, count1d)
	}
}

func wantOrderRefused(t *testing.T, d OrderDecision, msg string, retry time.Duration, count10s, count1d int) {
	t.Helper()
	if d.Err == nil {
		t.Fatalf("order allowed (counts %d/%d), want -1015 %q", d.Count10s, d.Count1d, msg)
	}
	if d.Err.Status != http.StatusTooManyRequests || d.Err.Code != apierr.CodeTooManyOrders || d.Err.Msg != msg {
		t.Fatalf("error = {%d %d %q}, want {429 -1015 %q}", d.Err.Status, d.Err.Code, d.Err.Msg, msg)
	}
	if d.RetryAfter != retry || d.Count10s != count10s || d.Count1d != count1d {
		t.Fatalf("refusal = {retry %v, counts %d/%d}, want {%v, %d/%d}",
			d.RetryAfter, d.Count10s, d.Count1d, retry, count10s, count1d)
	}
}

func TestOrderLimitsPerAccountWithBothWindows(t *testing.T) {
	const (
		tenSecondMsg = "Too many new orders; current limit is 3 orders per 10 SECOND."
		dayMsg       = "Too many new orders; current limit is 5 orders per 1 DAY."
	)
	clk := clock.NewFake(at(t, "23:59:32.500"))
	l := newTestLimiter(Config{OrdersPer10s: 3, OrdersPerDay: 5}, clk)

	wantOrder(t, l.Order("alice"), 1, 1)
	wantOrder(t, l.Order("alice"), 2, 2)
	wantOrder(t, l.Order("alice"), 3, 3)
	wantOrderRefused(t, l.Order("alice"), tenSecondMsg, 8*time.Second, 3, 3) // 7.5 s to 23:59:40
	wantOrderRefused(t, l.Order("alice"), tenSecondMsg, 8*time.Second, 3, 3) // refusals are not counted

	// Another account has its own budget.
	wantOrder(t, l.Order("bob"), 1, 1)

	clk.Set(at(t, "23:59:40.000"))
	wantOrder(t, l.Order("alice"), 1, 4)
	wantOrder(t, l.Order("alice"), 2, 5)
	wantOrderRefused(t, l.Order("alice"), dayMsg, 20*time.Second, 2, 5) // until midnight
	clk.Set(at(t, "23:59:55.000"))
	wantOrderRefused(t, l.Order("alice"), dayMsg, 5*time.Second, 0, 5) // new 10 s window, same day

	if c10, c1d := l.OrderCounts("alice"); c10 != 0 || c1d != 5 {
		t.Errorf("OrderCounts = %d/%d, want 0/5", c10, c1d)
	}
	clk.Set(midnight.Add(24 * time.Hour))
	if c10, c1d := l.OrderCounts("alice"); c10 != 0 || c1d != 0 {
		t.Errorf("OrderCounts on the next day = %d/%d, want 0/0", c10, c1d)
	}
	wantOrder(t, l.Order("alice"), 1, 1)
	if c10, c1d := l.OrderCounts("nobody"); c10 != 0 || c1d != 0 {
		t.Errorf("OrderCounts of an unknown account = %d/%d, want 0/0", c10, c1d)
	}
	if s := l.Snapshot(); s.RateLimited429 != 4 {
		t.Errorf("RateLimited429 = %d, want 4 (order refusals are 429s)", s.RateLimited429)
	}
}

func TestDefaultOrderLimit(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{}, clk)
	for i := 1; i <= 100; i++ {
		wantOrder(t, l.Order("acct"), i, i)
	}
	wantOrderRefused(t, l.Order("acct"), "Too many new orders; current limit is 100 orders per 10 SECOND.",
		10*time.Second, 100, 100)
}

func TestIdleAccountsAreForgotten(t *testing.T) {
	clk := clock.NewFake(at(t, "12:00:00.000"))
	l := newTestLimiter(Config{}, clk)
	l.Order("a")
	l.Order("b")
	clk.Set(at(t, "23:00:00.000")) // still counted in the day window
	l.Order("c")
	if got := trackedAccounts(l); got != 3 {
		t.Fatalf("tracked accounts = %d, want 3", got)
	}
	clk.Set(midnight.Add(25 * time.Hour))
	l.Order("d")
	if got := trackedAccounts(l); got != 1 {
		t.Fatalf("tracked accounts on the next day = %d, want 1", got)
	}
}
