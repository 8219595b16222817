package exchangesim

import (
	"net/http"
	"strings"
	"testing"

	binance "github.com/adshao/go-binance/v2"
)

func TestAdminAccounts(t *testing.T) {
	e := newEnv(t, nil)
	r := e.mustAdmin(http.MethodPost, "/sim/v1/accounts", map[string]any{
		"apiKey": "bot-key-1", "secretKey": "bot-secret-1", "balances": map[string]any{"USDT": "10000", "BTC": 1},
	})
	if strings.Contains(string(r.body), "bot-secret-1") {
		t.Fatalf("the reply shows the secret: %s", r.body)
	}
	var reply accountReply
	decodeJSON(t, r.body, &reply)
	if reply.APIKey != "bot-key-1" || reply.KeyType != "HMAC" || reply.Balances["USDT"] != "10000" || reply.Balances["BTC"] != "1" {
		t.Fatalf("reply = %+v", reply)
	}
	c := e.client("bot-key-1", "bot-secret-1", "")
	acct, err := c.NewGetAccountService().Do(t.Context())
	if err != nil || len(acct.Balances) != 2 || acct.Balances[0] != (binance.Balance{Asset: "BTC", Free: "1.00000000", Locked: "0.00000000"}) {
		t.Fatalf("account: %v %+v", err, acct)
	}
	demo, err := e.demo().NewGetAccountService().Do(t.Context())
	if err != nil || demo.UID == acct.UID {
		t.Fatalf("accounts share a uid: %v %d %d", err, demo.UID, acct.UID)
	}

	// Posting again replaces the balances (and may change the secret).
	e.mustAdmin(http.MethodPost, "/sim/v1/accounts", map[string]any{
		"apiKey": "bot-key-1", "secretKey": "bot-secret-2", "balances": map[string]string{"ETH": "3.5"},
	})
	if _, err := c.NewGetAccountService().Do(t.Context()); binanceCode(err) != -1022 {
		t.Fatalf("old secret after replace: %v", err)
	}
	acct, err = e.client("bot-key-1", "bot-secret-2", "").NewGetAccountService().OmitZeroBalances(true).Do(t.Context())
	if err != nil || len(acct.Balances) != 1 || acct.Balances[0].Asset != "ETH" || acct.Balances[0].Free != "3.50000000" {
		t.Fatalf("replaced account: %v %+v", err, acct)
	}
	if got := e.sim.Stats().Accounts; got != 2 {
		t.Fatalf("accounts = %d, want 2", got)
	}
}

func TestAdminAccountErrors(t *testing.T) {
	e := newEnv(t, nil)
	pub, _ := ed25519PEMs(t)
	for _, body := range []string{
		`{"secretKey": "s"}`,
		`{"apiKey": "k"}`,
		`{"apiKey": "k", "secretKey": "s", "publicKeyPEM": ` + jsonString(pub) + `}`,
		`{"apiKey": "k", "publicKeyPEM": "not a pem"}`,
		`{"apiKey": "k", "secretKey": "s", "balances": {"USDT": "-1"}}`,
		`{"apiKey": "k", "secretKey": "s", "balances": {"usdt": "1"}}`,
		`{"apiKey": "k", "secretKey": "s", "balances": {"USDT": "lots"}}`,
		`{"apiKey": "k", "secretKey": "s", "extra": 1}`,
		`{"apiKey": "has space", "secretKey": "s"}`,
		`[]`,
		`{"apiKey": "k", "secretKey": "s"} {}`,
	} {
		r := e.do(http.MethodPost, "/sim/v1/accounts", "", body, nil)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	if r := e.do(http.MethodGet, "/sim/v1/accounts", "", "", nil); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET accounts: %d %v", r.status, r.header)
	}
	if r := e.do(http.MethodGet, "/sim/v1/nothing", "", "", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown admin path: %d", r.status)
	}
	if got := e.sim.Stats().Accounts; got != 1 {
		t.Fatalf("refused requests created accounts: %d", got)
	}
}

func jsonString(s string) string {
	return `"` + strings.NewReplacer("\n", `\n`, `"`, `\"`).Replace(s) + `"`
}

func TestAdminPricesFillRestingOrders(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	o, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeLimit).
		TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.01").Price("60000").Do(t.Context())
	if err != nil || o.Status != binance.OrderStatusTypeNew {
		t.Fatalf("limit buy: %v %+v", err, o)
	}
	var p priceJSON
	decodeJSON(t, e.mustAdmin(http.MethodPost, "/sim/v1/prices", map[string]string{"symbol": "BTCUSDT", "price": "59000.123"}).body, &p)
	if p.Price != "59000.12000000" {
		t.Fatalf("price reply %+v, want it rounded to the tick", p)
	}
	got, err := c.NewGetOrderService().Symbol("BTCUSDT").OrderID(o.OrderID).Do(t.Context())
	if err != nil || got.Status != binance.OrderStatusTypeFilled || got.ExecutedQuantity != "0.01000000" {
		t.Fatalf("order after the price fell: %v %+v", err, got)
	}
	if st := e.sim.Stats().Orders; st.Placed != 1 || st.Filled != 1 {
		t.Fatalf("order stats = %+v", st)
	}
	for _, body := range []string{`{"symbol": "NOPE", "price": "1"}`, `{"symbol": "BTCUSDT", "price": "0"}`, `{"symbol": "BTCUSDT"}`, `{"symbol": "BTCUSDT", "price": "x"}`} {
		if r := e.do(http.MethodPost, "/sim/v1/prices", "", body, nil); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
}

func TestAdminStats(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	for i := 0; i < 3; i++ {
		if err := c.NewPingService().Do(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	o, err := c.NewCreateOrderService().Symbol("ETHUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeLimit).
		TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.01").Price("1000").Do(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewCancelOrderService().Symbol("ETHUSDT").OrderID(o.OrderID).Do(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewCreateOrderService().Symbol("ETHUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
		Quantity("0.01").Do(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodGet, "/api/v3/whatever", "", "", nil)

	var st Stats
	decodeJSON(t, e.mustAdmin(http.MethodGet, "/sim/v1/stats", nil).body, &st)
	if st.Requests["/api/v3/ping"] != 3 || st.Requests["/api/v3/order"] != 3 || st.Requests["other"] != 1 {
		t.Fatalf("requests = %v", st.Requests)
	}
	if st.Orders != (OrderStats{Placed: 2, Filled: 1, Canceled: 1}) {
		t.Fatalf("orders = %+v", st.Orders)
	}
	if st.UsedWeight["127.0.0.1"] != 3 {
		t.Fatalf("usedWeight = %v", st.UsedWeight)
	}
	if st.Accounts != 1 || st.Websocket != (WebsocketStats{}) {
		t.Fatalf("stats = %+v", st)
	}
}

func TestAdminReset(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	e.mustAdmin(http.MethodPost, "/sim/v1/accounts", map[string]any{"apiKey": "temp", "secretKey": "s", "balances": map[string]string{"USDT": "1"}})
	if _, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeLimit).
		TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.01").Price("50000").Do(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{RestLatencyMs: 1})
	priceBefore, _ := e.sim.market.Price("BTCUSDT")

	e.mustAdmin(http.MethodPost, "/sim/v1/reset", nil)

	acct, err := c.NewGetAccountService().Do(t.Context())
	if err != nil || len(acct.Balances) != 1 || acct.Balances[0].Free != "100000.00000000" || acct.Balances[0].Locked != "0.00000000" {
		t.Fatalf("demo account after reset: %v %+v", err, acct)
	}
	if open, err := c.NewListOpenOrdersService().Do(t.Context()); err != nil || len(open) != 0 {
		t.Fatalf("open orders after reset: %v %+v", err, open)
	}
	if _, err := e.client("temp", "s", "").NewGetAccountService().Do(t.Context()); binanceCode(err) != -2015 {
		t.Fatalf("created account after reset: %v", err)
	}
	if f := e.sim.currentFaults(); f != (Faults{}) {
		t.Fatalf("faults after reset: %+v", f)
	}
	if priceAfter, _ := e.sim.market.Price("BTCUSDT"); !priceAfter.Equal(priceBefore) {
		t.Fatalf("reset moved the price: %s -> %s", priceBefore, priceAfter)
	}
	st := e.sim.Stats()
	if st.Orders != (OrderStats{}) || st.Requests["/api/v3/order"] != 0 {
		t.Fatalf("stats after reset: %+v", st)
	}
}
