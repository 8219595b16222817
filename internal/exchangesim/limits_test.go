package exchangesim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
)

// retryAfter reads the Retry-After header in seconds.
func (r response) retryAfter(t testing.TB) int {
	t.Helper()
	v, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("Retry-After %q: %v", r.header.Get("Retry-After"), err)
	}
	return v
}

func TestRateLimit429Then418Raw(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.WeightLimit = 50
		c.BanScale = 0.01 // first ban 1.2 s, then 2.4 s
	})
	info := func() response { return e.do(http.MethodGet, "/api/v3/exchangeInfo", "", "", nil) }

	for i, wantUsed := range []string{"20", "40"} {
		if r := info(); r.status != http.StatusOK || r.header.Get("X-Mbx-Used-Weight-1m") != wantUsed {
			t.Fatalf("request %d: status %d, used %q", i, r.status, r.header.Get("X-Mbx-Used-Weight-1m"))
		}
	}
	r := info()
	if code, _ := r.apiError(t); r.status != http.StatusTooManyRequests || code != -1003 {
		t.Fatalf("over the limit: status %d body %s", r.status, r.body)
	}
	if ra := r.retryAfter(t); ra < 45 || ra > 60 { // the test clock started at a minute boundary moments ago
		t.Fatalf("429 Retry-After %d, want the rest of the minute", ra)
	}
	if got := r.header.Get("X-Mbx-Used-Weight-1m"); got != "60" {
		t.Fatalf("used weight on 429 = %s, want 60", got)
	}

	r = info()
	code, msg := r.apiError(t)
	if r.status != http.StatusTeapot || code != -1003 || !strings.Contains(msg, "banned until") {
		t.Fatalf("during Retry-After: status %d body %s", r.status, r.body)
	}
	if ra := r.retryAfter(t); ra != 2 {
		t.Fatalf("first ban Retry-After %d, want 2 (1.2 s rounded up)", ra)
	}
	// Every request during a ban gets 418.
	if r := e.do(http.MethodGet, "/api/v3/ping", "", "", nil); r.status != http.StatusTeapot {
		t.Fatalf("ping during ban: %d", r.status)
	}

	e.clock.Advance(time.Minute) // the ban is over and a new weight window begins
	if r := info(); r.status != http.StatusOK {
		t.Fatalf("after the ban: status %d body %s", r.status, r.body)
	}
	info()
	if r := info(); r.status != http.StatusTooManyRequests {
		t.Fatalf("second offence 429: status %d", r.status)
	}
	r = info()
	if r.status != http.StatusTeapot || r.retryAfter(t) != 3 {
		t.Fatalf("second ban: status %d Retry-After %s, want 418 and 3 (2.4 s)", r.status, r.header.Get("Retry-After"))
	}

	st := e.sim.Stats()
	if st.RateLimited429 != 2 || st.Banned418 != 3 {
		t.Fatalf("stats 429=%d 418=%d, want 2 and 3", st.RateLimited429, st.Banned418)
	}
}

func TestRateLimit429Then418GoBinance(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.WeightLimit = 30 })
	c := e.demo()
	if _, err := c.NewGetAccountService().Do(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err := c.NewGetAccountService().Do(t.Context())
	if binanceCode(err) != -1003 || !strings.Contains(err.Error(), "Too much request weight used") {
		t.Fatalf("429: %v", err)
	}
	_, err = c.NewGetAccountService().Do(t.Context())
	if binanceCode(err) != -1003 || !strings.Contains(err.Error(), "banned until") {
		t.Fatalf("418: %v", err)
	}
	if c.UsedWeight.Used1M != 60 {
		t.Fatalf("refused requests are still charged: used %d, want 60", c.UsedWeight.Used1M)
	}
}

func TestOrderCountLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.OrderLimit10s = 3 })
	c := e.demo()
	buy := func() error {
		_, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
			Quantity("0.001").Do(t.Context())
		return err
	}
	for i := 0; i < 3; i++ {
		if err := buy(); err != nil {
			t.Fatalf("order %d: %v", i, err)
		}
	}
	if err := buy(); binanceCode(err) != -1015 {
		t.Fatalf("fourth order in 10 s: %v", err)
	}

	// The same refusal over raw HTTP, with its headers.
	body := "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001"
	r := e.signed(http.MethodPost, "/api/v3/order", "", body)
	if code, _ := r.apiError(t); r.status != http.StatusTooManyRequests || code != -1015 {
		t.Fatalf("raw fifth order: %d %s", r.status, r.body)
	}
	if ra := r.retryAfter(t); ra < 1 || ra > 10 {
		t.Fatalf("Retry-After %d, want 1-10", ra)
	}
	if r.header.Get("X-Mbx-Order-Count-10s") != "3" || r.header.Get("X-Mbx-Order-Count-1d") != "3" {
		t.Fatalf("order count headers %v", r.header)
	}

	e.clock.Advance(10 * time.Second)
	e.sync(c)
	if err := buy(); err != nil {
		t.Fatalf("order in the next window: %v", err)
	}
	if c.OrderCount.Count10s != 1 || c.OrderCount.Count1d != 4 {
		t.Fatalf("counts in the next window = %+v", c.OrderCount)
	}
	if st := e.sim.Stats(); st.Orders.Placed != 4 || st.Orders.Rejected != 2 || st.RateLimited429 != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestRequestWeights(t *testing.T) {
	tests := []struct {
		method, path, query string
		signed              bool
		weight              int
	}{
		{"GET", "/api/v3/ping", "", false, 1},
		{"GET", "/api/v3/time", "", false, 1},
		{"GET", "/api/v3/exchangeInfo", "symbol=BTCUSDT", false, 20},
		{"GET", "/api/v3/ticker/price", "symbol=BTCUSDT", false, 2},
		{"GET", "/api/v3/ticker/price", `symbols=["BTCUSDT","ETHUSDT"]`, false, 4},
		{"GET", "/api/v3/ticker/price", "", false, 4},
		{"GET", "/api/v3/ticker/24hr", "symbol=BTCUSDT", false, 2},
		{"GET", "/api/v3/ticker/24hr", `symbols=["BTCUSDT","ETHUSDT"]`, false, 2},
		{"GET", "/api/v3/ticker/24hr", "", false, 80},
		{"GET", "/api/v3/ticker/bookTicker", "symbol=BTCUSDT", false, 2},
		{"GET", "/api/v3/ticker/bookTicker", "", false, 4},
		{"GET", "/api/v3/avgPrice", "symbol=BTCUSDT", false, 2},
		{"GET", "/api/v3/klines", "symbol=BTCUSDT&interval=1h", false, 2},
		{"GET", "/api/v3/depth", "symbol=BTCUSDT", false, 5},
		{"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=500", false, 25},
		{"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000", false, 50},
		{"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5000", false, 250},
		{"GET", "/api/v3/trades", "symbol=BTCUSDT", false, 25},
		{"GET", "/api/v1/trades", "symbol=BTCUSDT", false, 25},
		{"GET", "/api/v3/account", "", true, 20},
		{"GET", "/api/v3/order", "symbol=BTCUSDT&orderId=1", true, 4},
		{"GET", "/api/v3/openOrders", "symbol=BTCUSDT", true, 6},
		{"GET", "/api/v3/openOrders", "", true, 80},
		{"GET", "/api/v3/allOrders", "symbol=BTCUSDT", true, 20},
		{"GET", "/api/v3/myTrades", "symbol=BTCUSDT", true, 20},
		{"GET", "/api/v3/myTrades", "symbol=BTCUSDT&orderId=1", true, 5},
		{"GET", "/api/v3/rateLimit/order", "", true, 40},
		{"DELETE", "/api/v3/order", "symbol=BTCUSDT&orderId=1", true, 1}, // fails: unknown order
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+"?"+tt.query, func(t *testing.T) {
			e := newEnv(t, nil)
			var r response
			if tt.signed {
				r = e.signed(tt.method, tt.path, tt.query, "")
			} else {
				r = e.do(tt.method, tt.path, tt.query, "", nil)
			}
			if got := r.header.Get("X-Mbx-Used-Weight-1m"); got != strconv.Itoa(tt.weight) {
				t.Fatalf("weight %s, want %d (status %d body %.200s)", got, tt.weight, r.status, r.body)
			}
		})
	}
}

// A failed order or cancel costs weight 1 on top of its single raw request,
// even when that weight takes the IP over its limit; the next request then
// hears about it.
func TestFailedOrdersChargeWeightOnly(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*Config)
		wantUsed  []string // X-MBX-USED-WEIGHT-1M after each of three failed cancels
		wantMsg   string   // the 429 of the request after them
	}{
		{"weight limit", func(c *Config) { c.WeightLimit = 2 }, []string{"1", "2", "3"},
			"Too much request weight used; current limit is 2 request weight per 1 MINUTE."},
		{"raw request limit", func(c *Config) { c.RawRequestLimit = 3 }, []string{"1", "2", "3"},
			"Too many requests; current limit is 3 requests per 5 MINUTE."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.configure)
			for i, want := range tt.wantUsed {
				r := e.signed(http.MethodDelete, "/api/v3/order", "symbol=BTCUSDT&orderId=999", "")
				if code, _ := r.apiError(t); r.status != http.StatusBadRequest || code != -2011 {
					t.Fatalf("cancel %d: status %d body %s, want 400 -2011", i, r.status, r.body)
				}
				if got := r.header.Get("X-Mbx-Used-Weight-1m"); got != want {
					t.Fatalf("cancel %d: used weight %s, want %s", i, got, want)
				}
			}
			r := e.do(http.MethodGet, "/api/v3/ping", "", "", nil)
			code, msg := r.apiError(t)
			if r.status != http.StatusTooManyRequests || code != -1003 || !strings.HasPrefix(msg, tt.wantMsg) {
				t.Fatalf("request after the cancels: status %d body %s, want 429 %q", r.status, r.body, tt.wantMsg)
			}
		})
	}
}
