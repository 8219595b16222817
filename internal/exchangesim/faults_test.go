package exchangesim

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/coder/websocket"
)

func TestFaultLatency(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{RestLatencyMs: 60})
	start := time.Now()
	if r := e.do(http.MethodGet, "/api/v3/ping", "", "", nil); r.status != http.StatusOK {
		t.Fatalf("ping: %d", r.status)
	}
	if elapsed := time.Since(start); elapsed < 60*time.Millisecond {
		t.Fatalf("ping answered after %v, before the injected 60ms", elapsed)
	}
	// A client that gives up is not answered at all.
	c := e.demo()
	cctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
	defer cancel()
	if err := c.NewPingService().Do(cctx); err == nil {
		t.Fatal("ping with a 5ms deadline succeeded despite 60ms latency")
	}
}

func TestFaultErrorStatuses(t *testing.T) {
	tests := []struct {
		status, wantStatus, code int
	}{
		{0, 503, -1008},
		{500, 500, -1000},
		{502, 502, -1001},
		{503, 503, -1008},
		{429, 429, -1003},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			e := newEnv(t, nil)
			e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{RestErrorRate: 1, RestErrorStatus: tt.status})
			r := e.do(http.MethodGet, "/api/v3/time", "", "", nil)
			if code, _ := r.apiError(t); r.status != tt.wantStatus || code != tt.code {
				t.Fatalf("got %d %s, want %d code %d", r.status, r.body, tt.wantStatus, tt.code)
			}
			if r.header.Get("X-Mbx-Used-Weight-1m") != "1" {
				t.Fatalf("an injected error still counts the request's weight: %v", r.header)
			}
			if got := r.header.Get("Retry-After"); (tt.status == 429) != (got == "1") {
				t.Fatalf("Retry-After %q on an injected %d", got, tt.status)
			}
			// Admin endpoints are exempt.
			e.mustAdmin(http.MethodGet, "/sim/v1/stats", nil)
		})
	}
}

// TestFaultGatewayTimeoutExecutes checks that a 504 leaves the order placed:
// the client cannot know, which is what the fault is for.
func TestFaultGatewayTimeoutExecutes(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{RestErrorRate: 1, RestErrorStatus: 504})
	_, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
		Quantity("0.001").NewClientOrderID("unknown-outcome").Do(t.Context())
	if binanceCode(err) != -1007 {
		t.Fatalf("order under 504: %v", err)
	}
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{})
	o, err := c.NewGetOrderService().Symbol("BTCUSDT").OrigClientOrderID("unknown-outcome").Do(t.Context())
	if err != nil || o.Status != binance.OrderStatusTypeFilled {
		t.Fatalf("the order behind the 504: %v %+v", err, o)
	}
}

func TestFaultErrorRateIsSeeded(t *testing.T) {
	pattern := func() string {
		e := newEnv(t, func(c *Config) { c.Seed = 42 })
		e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{RestErrorRate: 0.5})
		var b strings.Builder
		for i := 0; i < 40; i++ {
			if e.do(http.MethodGet, "/api/v3/ping", "", "", nil).status == http.StatusOK {
				b.WriteByte('.')
			} else {
				b.WriteByte('x')
			}
		}
		return b.String()
	}
	first, second := pattern(), pattern()
	if first != second {
		t.Fatalf("same seed, different failures:\n%s\n%s", first, second)
	}
	if !strings.Contains(first, ".") || !strings.Contains(first, "x") {
		t.Fatalf("rate 0.5 gave %s", first)
	}
}

func TestFaultClockOffset(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{ClockOffsetMs: 7000})
	st, err := c.NewServerTimeService().Do(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := st - e.clock.Now().UnixMilli(); d < 6900 || d > 7000 {
		t.Fatalf("server time is %d ms from the clock, want 7000", d)
	}
	if _, err := c.NewGetAccountService().Do(t.Context()); binanceCode(err) != -1021 {
		t.Fatalf("client 7 s behind: %v", err)
	}
	c.TimeOffset -= 7000 // the client re-syncs
	if _, err := c.NewGetAccountService().Do(t.Context()); err != nil {
		t.Fatalf("after re-sync: %v", err)
	}
}

func TestFaultBanAndClear(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{BanSeconds: 30})
	r := e.do(http.MethodGet, "/api/v3/ping", "", "", nil)
	if r.status != http.StatusTeapot || r.retryAfter(t) != 30 {
		t.Fatalf("banned ping: %d Retry-After %s", r.status, r.header.Get("Retry-After"))
	}
	var got Faults
	decodeJSON(t, e.mustAdmin(http.MethodGet, "/sim/v1/faults", nil).body, &got)
	if got.BanSeconds != 30 {
		t.Fatalf("GET faults = %+v", got)
	}
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", struct{}{})
	if r := e.do(http.MethodGet, "/api/v3/ping", "", "", nil); r.status != http.StatusOK {
		t.Fatalf("ping after clearing faults: %d", r.status)
	}
	got = Faults{}
	decodeJSON(t, e.mustAdmin(http.MethodGet, "/sim/v1/faults", nil).body, &got)
	if got != (Faults{}) {
		t.Fatalf("faults after {} = %+v", got)
	}
}

func TestFaultValidation(t *testing.T) {
	e := newEnv(t, nil)
	for _, body := range []string{
		`{"restErrorRate": 1.5}`,
		`{"restErrorStatus": 404}`,
		`{"restLatencyMs": -1}`,
		`{"restLatencyMs": 600000}`,
		`{"banSeconds": -2}`,
		`{"clockOffsetMs": 999999999999}`,
		`{"unknown": true}`,
		`{"restErrorRate": "high"}`,
		`not json`,
	} {
		r := e.do(http.MethodPost, "/sim/v1/faults", "", body, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"error"`) {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	if f := e.sim.currentFaults(); f != (Faults{}) {
		t.Fatalf("a refused fault changed the state: %+v", f)
	}
}

func TestFaultDropWebsockets(t *testing.T) {
	e := newEnv(t, nil)
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws/btcusdt@trade"
	conn, _, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{HTTPClient: e.http})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.CloseNow()

	// A step publishes trades to the subscriber.
	e.sim.Step(e.clock.Now().Add(2 * time.Second))
	readCtx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, msg, err := conn.Read(readCtx)
	if err != nil || !strings.Contains(string(msg), `"e":"trade"`) || !strings.Contains(string(msg), `"s":"BTCUSDT"`) {
		t.Fatalf("first message: %v %s", err, msg)
	}
	if st := e.sim.Stats().Websocket; st.Connections != 1 || st.Streams != 1 {
		t.Fatalf("websocket stats = %+v", st)
	}

	user := userStream(t, e)
	if st := e.sim.Stats().Websocket; st.UserDataSessions != 1 {
		t.Fatalf("websocket stats = %+v", st)
	}

	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{DropWebsockets: true})
	for name, c := range map[string]*websocket.Conn{"stream": conn, "user data": user} {
		for {
			if _, _, err := c.Read(readCtx); err != nil {
				break // dropped
			}
		}
		if readCtx.Err() != nil {
			t.Fatalf("the %s connection was not dropped", name)
		}
	}
}
