package userdata

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
	"go.uber.org/goleak"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const waitTimeout = 30 * time.Second

type env struct {
	srv  *httptest.Server
	acct *exchange.Account
}

func startEnv(t *testing.T) *env {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); sim.Close() })
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(reg.Close)
	ep := reg.Endpoint(exchange.URLs{REST: srv.URL, Stream: "ws" + strings.TrimPrefix(srv.URL, "http")})
	return &env{srv: srv, acct: reg.Account(ep, demoCreds())}
}

func demoCreds() exchange.Credentials {
	return exchange.Credentials{APIKey: exchangesim.DemoAPIKey, Secret: exchangesim.DemoSecretKey, Type: exchange.KeyHMAC}
}

func (e *env) wsAPI() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws-api/v3" }

// collector keeps what a client reports.
type collector struct {
	mu         sync.Mutex
	orders     []OrderUpdate
	balances   int
	subscribed int
}

func (c *collector) onEvent(ev Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Kind {
	case KindOrder:
		c.orders = append(c.orders, *ev.Order)
	case KindBalances:
		c.balances++
	}
}

func (c *collector) onSubscribed() {
	c.mu.Lock()
	c.subscribed++
	c.mu.Unlock()
}

func (c *collector) snapshot() ([]OrderUpdate, int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]OrderUpdate(nil), c.orders...), c.balances, c.subscribed
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func run(t *testing.T, c *Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// TestFillsArrive: a market order placed over REST shows up on the stream
// as NEW then TRADE events whose fills add up to what REST reported.
func TestFillsArrive(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	col := &collector{}
	c, err := New(Options{URL: e.wsAPI(), Credentials: demoCreds(), OnEvent: col.onEvent, OnSubscribed: col.onSubscribed})
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)
	waitFor(t, "the subscription", func() bool { _, _, s := col.snapshot(); return s == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	order, err := e.acct.PlaceOrder(ctx, exchange.CallPolicy{}, exchange.OrderRequest{Symbol: "BTCUSDT",
		Side: binance.SideTypeBuy, Type: binance.OrderTypeMarket, QuoteQuantity: decimal.NewFromInt(500), ClientOrderID: "ud-test-1"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the fills", func() bool {
		orders, _, _ := col.snapshot()
		qty := decimal.Zero
		for _, o := range orders {
			if o.ExecutionType == "TRADE" && o.ClientOrderID == "ud-test-1" {
				qty = qty.Add(o.LastQty)
			}
		}
		return qty.Equal(order.ExecutedQty)
	})
	orders, balances, _ := col.snapshot()
	if orders[0].ExecutionType != "NEW" || orders[0].ClientOrderID != "ud-test-1" || orders[0].OrderID != order.OrderID {
		t.Errorf("first event %+v, want NEW of order %d", orders[0], order.OrderID)
	}
	last := orders[len(orders)-1]
	if last.Status != "FILLED" || !last.CumulativeQuote.Equal(order.CumulativeQuoteQty) || last.TradeID < 0 || last.CommissionAsset == "" {
		t.Errorf("last event %+v, want FILLED with the order's quote %s", last, order.CumulativeQuoteQty)
	}
	waitFor(t, "a balance update", func() bool { _, b, _ := col.snapshot(); return b > 0 || balances > 0 })
	if s := c.Stats(); s.Malformed != 0 || !s.Connected || s.Subscriptions != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestReconnects: when the exchange drops every WebSocket, the client
// subscribes again, says so (the caller reconciles), and events flow again.
func TestReconnects(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	col := &collector{}
	c, err := New(Options{URL: e.wsAPI(), Credentials: demoCreds(), OnEvent: col.onEvent, OnSubscribed: col.onSubscribed,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)
	waitFor(t, "the subscription", func() bool { _, _, s := col.snapshot(); return s == 1 })

	res, err := http.Post(e.srv.URL+"/sim/v1/faults", "application/json", bytes.NewBufferString(`{"dropWebsockets":true}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	waitFor(t, "a second subscription", func() bool { _, _, s := col.snapshot(); return s >= 2 })

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := e.acct.PlaceOrder(ctx, exchange.CallPolicy{}, exchange.OrderRequest{Symbol: "BTCUSDT",
		Side: binance.SideTypeBuy, Type: binance.OrderTypeMarket, QuoteQuantity: decimal.NewFromInt(100), ClientOrderID: "ud-test-2"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "events after the reconnection", func() bool {
		orders, _, _ := col.snapshot()
		for _, o := range orders {
			if o.ClientOrderID == "ud-test-2" && o.Status == "FILLED" {
				return true
			}
		}
		return false
	})
	if s := c.Stats(); s.Failures < 1 {
		t.Errorf("stats %+v: the dropped connection was not counted", s)
	}
}

// TestRefusedSubscription: a wrong secret is refused by the exchange; the
// client reports the reason and keeps trying, without a subscription.
func TestRefusedSubscription(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	col := &collector{}
	creds := demoCreds()
	creds.Secret = "not-the-secret"
	c, err := New(Options{URL: e.wsAPI(), Credentials: creds, OnSubscribed: col.onSubscribed,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)
	waitFor(t, "two refusals", func() bool { return c.Stats().Failures >= 2 })
	s := c.Stats()
	if !strings.Contains(s.LastError, "Signature") || s.Subscriptions != 0 {
		t.Errorf("stats %+v, want refusals for the signature and no subscription", s)
	}
	if strings.Contains(s.LastError, creds.Secret) || strings.Contains(s.LastError, creds.APIKey) {
		t.Error("the error names a credential")
	}
}

// TestParseMessage: events parse into exact decimals; malformed ones are
// refused, answers and other events are no events.
func TestParseMessage(t *testing.T) {
	ev, ok := parseMessage([]byte(`{"subscriptionId":0,"event":{"e":"executionReport","E":1,"s":"BTCUSDT","c":"x","S":"BUY","o":"MARKET","f":"GTC","q":"0.00100000","p":"0.00000000","x":"TRADE","X":"FILLED","i":7,"l":"0.00100000","z":"0.00100000","L":"50000.01000000","n":"0.00000100","N":"BTC","T":2,"t":9,"m":false,"O":1,"Z":"50.00001000","Y":"50.00001000"}}`))
	if !ok || ev.Kind != KindOrder || !ev.Order.LastPrice.Equal(decimal.RequireFromString("50000.01")) || ev.Order.TradeID != 9 || ev.Order.CommissionAsset != "BTC" {
		t.Errorf("execution report: %+v %v", ev.Order, ok)
	}
	for _, bad := range []string{`not json`, `{"subscriptionId":0,"event":{"e":"executionReport","s":"BTCUSDT","x":"TRADE","l":"1e"}}`,
		`{"subscriptionId":0,"event":{"e":"outboundAccountPosition","B":[{"a":"BTC","f":"x","l":"0"}]}}`} {
		if _, ok := parseMessage([]byte(bad)); ok {
			t.Errorf("%s parsed", bad)
		}
	}
	for _, none := range []string{`{"id":"1","status":200,"result":{}}`, `{"subscriptionId":0,"event":{"e":"balanceUpdate"}}`} {
		if ev, ok := parseMessage([]byte(none)); !ok || ev.Kind != KindNone {
			t.Errorf("%s: %+v %v, want no event", none, ev, ok)
		}
	}
}

// TestSigner: HMAC signs in hex, Ed25519 in base64 with a PKCS#8 PEM key;
// keys that are not what their type says are refused.
func TestSigner(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	sign, err := signer(exchange.Credentials{APIKey: "k", Secret: pemKey, Type: exchange.KeyEd25519})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(sign("apiKey=k&timestamp=1"))
	if err != nil || !ed25519.Verify(pub, []byte("apiKey=k&timestamp=1"), sig) {
		t.Errorf("Ed25519 signature does not verify: %v", err)
	}
	hm, err := signer(exchange.Credentials{APIKey: "k", Secret: "s", Type: exchange.KeyHMAC})
	if err != nil {
		t.Fatal(err)
	}
	if got := hm("a=1"); len(got) != 64 {
		t.Errorf("HMAC signature %q, want 64 hex digits", got)
	}
	for _, bad := range []exchange.Credentials{{APIKey: "k", Secret: "not-a-pem-secret", Type: exchange.KeyEd25519}, {APIKey: "k", Secret: "very-secret-value", Type: "RSA"}} {
		if _, err := signer(bad); err == nil {
			t.Errorf("%v accepted", bad.Type)
		} else if strings.Contains(err.Error(), bad.Secret) {
			t.Errorf("the error names the secret: %v", err)
		}
	}
}
