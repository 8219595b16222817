package exchangesim

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

// These tests drive every REST endpoint with go-binance v2.8.7's own client,
// so the simulator is checked against what the real library sends and parses.

func TestConformancePingAndTime(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	if err := c.NewPingService().Do(t.Context()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	before := e.clock.Now().UnixMilli()
	st, err := c.NewServerTimeService().Do(t.Context())
	if err != nil {
		t.Fatalf("time: %v", err)
	}
	after := e.clock.Now().UnixMilli()
	if st < before || st > after {
		t.Fatalf("serverTime %d not within [%d, %d]", st, before, after)
	}
}

func TestConformanceExchangeInfo(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	info, err := c.NewExchangeInfoService().Symbols("BTCUSDT", "DOGEUSDT").Do(t.Context())
	if err != nil {
		t.Fatalf("exchangeInfo: %v", err)
	}
	if got := len(info.Symbols); got != 2 {
		t.Fatalf("got %d symbols, want 2", got)
	}
	btc := info.Symbols[0]
	if btc.Symbol != "BTCUSDT" || btc.BaseAsset != "BTC" || btc.QuoteAsset != "USDT" || btc.Status != "TRADING" {
		t.Fatalf("BTCUSDT = %+v", btc)
	}
	lot := btc.LotSizeFilter()
	if lot == nil || lot.StepSize != "0.00001000" || lot.MinQuantity != "0.00001000" || lot.MaxQuantity != "9000.00000000" {
		t.Fatalf("LOT_SIZE = %+v", lot)
	}
	pf := btc.PriceFilter()
	if pf == nil || pf.TickSize != "0.01000000" || pf.MinPrice != "0.01000000" || pf.MaxPrice != "1000000.00000000" {
		t.Fatalf("PRICE_FILTER = %+v", pf)
	}
	mlot := btc.MarketLotSizeFilter()
	if mlot == nil || mlot.MaxQuantity != "120.00000000" || mlot.StepSize != "0.00001000" {
		t.Fatalf("MARKET_LOT_SIZE = %+v", mlot)
	}
	nf := btc.NotionalFilter()
	if nf == nil || nf.MinNotional != "5.00000000" || !nf.ApplyMinToMarket || nf.ApplyMaxToMarket || nf.AvgPriceMins != 5 {
		t.Fatalf("NOTIONAL = %+v", nf)
	}
	if mno := btc.MaxNumOrdersFilter(); mno == nil || mno.MaxNumOrders != 200 {
		t.Fatalf("MAX_NUM_ORDERS = %+v", mno)
	}
	// Helpers for filters the simulator does not have must return nil, not panic.
	if btc.PercentPriceBySideFilter() != nil || btc.IcebergPartsFilter() != nil || btc.TrailingDeltaFilter() != nil {
		t.Fatal("unexpected filter present")
	}
	if doge := info.Symbols[1]; doge.Symbol != "DOGEUSDT" || doge.PriceFilter().TickSize != "0.00001000" {
		t.Fatalf("DOGEUSDT = %+v", doge)
	}
	wantLimits := []binance.RateLimit{
		{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: 6000},
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: 100},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: 200000},
		{RateLimitType: "RAW_REQUESTS", Interval: "MINUTE", IntervalNum: 5, Limit: 300000},
	}
	if !slices.Equal(info.RateLimits, wantLimits) {
		t.Fatalf("rateLimits = %+v, want %+v", info.RateLimits, wantLimits)
	}

	all, err := c.NewExchangeInfoService().Do(t.Context())
	if err != nil {
		t.Fatalf("exchangeInfo (all): %v", err)
	}
	var names []string
	for _, s := range all.Symbols {
		names = append(names, s.Symbol)
	}
	want := []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}
	if !slices.Equal(names, want) {
		t.Fatalf("symbols = %v, want %v", names, want)
	}

	one, err := c.NewExchangeInfoService().Symbol("ETHUSDT").Do(t.Context())
	if err != nil || len(one.Symbols) != 1 || one.Symbols[0].Symbol != "ETHUSDT" {
		t.Fatalf("exchangeInfo symbol=ETHUSDT: %v %+v", err, one)
	}
	if _, err := c.NewExchangeInfoService().Symbols("BTCUSDT", "NOPEUSDT").Do(t.Context()); binanceCode(err) != -1121 {
		t.Fatalf("unknown symbol: got %v, want -1121", err)
	}
}

func TestConformanceTickers(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	e.mustAdmin(http.MethodPost, "/sim/v1/prices", map[string]string{"symbol": "BTCUSDT", "price": "64000.5"})

	one, err := c.NewListPricesService().Symbol("BTCUSDT").Do(t.Context())
	if err != nil || len(one) != 1 || one[0].Symbol != "BTCUSDT" || one[0].Price != "64000.50000000" {
		t.Fatalf("price BTCUSDT: %v %+v", err, one)
	}
	two, err := c.NewListPricesService().Symbols([]string{"ETHUSDT", "BTCUSDT"}).Do(t.Context())
	if err != nil || len(two) != 2 || two[0].Symbol != "ETHUSDT" || two[1].Symbol != "BTCUSDT" {
		t.Fatalf("prices [ETHUSDT,BTCUSDT]: %v %+v", err, two)
	}
	all, err := c.NewListPricesService().Do(t.Context())
	if err != nil || len(all) != 8 {
		t.Fatalf("all prices: %v, %d entries", err, len(all))
	}

	stats, err := c.NewListPriceChangeStatsService().Symbol("BTCUSDT").Do(t.Context())
	if err != nil || len(stats) != 1 {
		t.Fatalf("24hr BTCUSDT: %v %+v", err, stats)
	}
	st := stats[0]
	if st.Symbol != "BTCUSDT" || st.LastPrice != "64000.50000000" || st.BidPrice == "" || st.AskPrice == "" ||
		st.OpenTime == 0 || st.CloseTime <= st.OpenTime || st.Count <= 0 {
		t.Fatalf("24hr = %+v", st)
	}
	bid, ask := decimal.RequireFromString(st.BidPrice), decimal.RequireFromString(st.AskPrice)
	if !bid.LessThan(ask) {
		t.Fatalf("bid %s not below ask %s", bid, ask)
	}
	list, err := c.NewListPriceChangeStatsService().Symbols([]string{"BTCUSDT", "SOLUSDT"}).Do(t.Context())
	if err != nil || len(list) != 2 || list[1].Symbol != "SOLUSDT" {
		t.Fatalf("24hr list: %v %+v", err, list)
	}

	books, err := c.NewListBookTickersService().Symbol("ETHUSDT").Do(t.Context())
	if err != nil || len(books) != 1 || books[0].Symbol != "ETHUSDT" {
		t.Fatalf("bookTicker ETHUSDT: %v %+v", err, books)
	}
	if b, a := decimal.RequireFromString(books[0].BidPrice), decimal.RequireFromString(books[0].AskPrice); !b.LessThan(a) {
		t.Fatalf("bookTicker bid %s ask %s", b, a)
	}
	allBooks, err := c.NewListBookTickersService().Do(t.Context())
	if err != nil || len(allBooks) != 8 {
		t.Fatalf("all bookTickers: %v, %d", err, len(allBooks))
	}
	avg, err := c.NewAveragePriceService().Symbol("BTCUSDT").Do(t.Context())
	if err != nil || avg.Mins != 5 || !decimal.RequireFromString(avg.Price).IsPositive() {
		t.Fatalf("avgPrice: %v %+v", err, avg)
	}
}

func TestConformanceKlinesDepthTrades(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	klines, err := c.NewKlinesService().Symbol("BTCUSDT").Interval("1m").Limit(10).Do(t.Context())
	if err != nil || len(klines) != 10 {
		t.Fatalf("klines: %v, %d", err, len(klines))
	}
	for i, k := range klines {
		if k.CloseTime != k.OpenTime+60_000-1 {
			t.Fatalf("kline %d: open %d close %d", i, k.OpenTime, k.CloseTime)
		}
		if i > 0 && k.OpenTime != klines[i-1].OpenTime+60_000 {
			t.Fatalf("kline %d not consecutive", i)
		}
		h, l := decimal.RequireFromString(k.High), decimal.RequireFromString(k.Low)
		if h.LessThan(l) {
			t.Fatalf("kline %d high %s < low %s", i, h, l)
		}
	}
	start := testStart.Add(-30 * time.Minute).UnixMilli()
	ranged, err := c.NewKlinesService().Symbol("ETHUSDT").Interval("5m").StartTime(start).Limit(3).Do(t.Context())
	if err != nil || len(ranged) != 3 || ranged[0].OpenTime != start {
		t.Fatalf("klines from %d: %v %+v", start, err, ranged)
	}
	if _, err := c.NewKlinesService().Symbol("BTCUSDT").Interval("7m").Do(t.Context()); binanceCode(err) != -1120 {
		t.Fatalf("bad interval: %v", err)
	}

	depth, err := c.NewDepthService().Symbol("BTCUSDT").Limit(5).Do(t.Context())
	if err != nil || len(depth.Bids) != 5 || len(depth.Asks) != 5 || depth.LastUpdateID == 0 {
		t.Fatalf("depth: %v %+v", err, depth)
	}
	if b, a := decimal.RequireFromString(depth.Bids[0].Price), decimal.RequireFromString(depth.Asks[0].Price); !b.LessThan(a) {
		t.Fatalf("depth best bid %s ask %s", b, a)
	}

	trades, err := c.NewRecentTradesService().Symbol("BTCUSDT").Limit(7).Do(t.Context())
	if err != nil || len(trades) != 7 {
		t.Fatalf("trades: %v, %d", err, len(trades))
	}
	for i := 1; i < len(trades); i++ {
		if trades[i].ID <= trades[i-1].ID || trades[i].Time < trades[i-1].Time {
			t.Fatalf("trades not oldest first: %+v", trades)
		}
	}
	q := decimal.RequireFromString(trades[0].Price).Mul(decimal.RequireFromString(trades[0].Quantity))
	if !decimal.RequireFromString(trades[0].QuoteQuantity).Equal(q) {
		t.Fatalf("quoteQty %s, want %s", trades[0].QuoteQuantity, q)
	}
}

func TestConformanceAccountAndOrders(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	acct, err := c.NewGetAccountService().Do(t.Context())
	if err != nil {
		t.Fatalf("account: %v", err)
	}
	if acct.AccountType != "SPOT" || !acct.CanTrade || acct.UID == 0 || acct.CommissionRates.Taker != "0.00100000" ||
		acct.TakerCommission != 10 || len(acct.Balances) != 1 ||
		acct.Balances[0] != (binance.Balance{Asset: "USDT", Free: "100000.00000000", Locked: "0.00000000"}) {
		t.Fatalf("account = %+v", acct)
	}

	// FULL (the default for MARKET): fills with commission in the asset received.
	buy, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
		Quantity("0.01").NewClientOrderID("bot-1-buy").Do(t.Context())
	if err != nil {
		t.Fatalf("market buy: %v", err)
	}
	if buy.Status != binance.OrderStatusTypeFilled || buy.ExecutedQuantity != "0.01000000" || buy.ClientOrderID != "bot-1-buy" ||
		buy.OrderID == 0 || len(buy.Fills) == 0 || buy.Fills[0].CommissionAsset != "BTC" || buy.TransactTime == 0 {
		t.Fatalf("market buy = %+v", buy)
	}
	var fillQty decimal.Decimal
	for _, f := range buy.Fills {
		fillQty = fillQty.Add(decimal.RequireFromString(f.Quantity))
	}
	if !fillQty.Equal(decimal.RequireFromString("0.01")) {
		t.Fatalf("fills add up to %s", fillQty)
	}

	// RESULT: a resting LIMIT order far below the market.
	rest, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeLimit).
		TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.001").Price("30000").NewClientOrderID("bot-1-rest").
		NewOrderRespType(binance.NewOrderRespTypeRESULT).Do(t.Context())
	if err != nil {
		t.Fatalf("limit buy: %v", err)
	}
	if rest.Status != binance.OrderStatusTypeNew || rest.Price != "30000.00000000" || rest.Fills != nil ||
		rest.TimeInForce != binance.TimeInForceTypeGTC {
		t.Fatalf("limit buy = %+v", rest)
	}

	// ACK: only ids and the time.
	ack, err := c.NewCreateOrderService().Symbol("ETHUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeLimitMaker).
		Quantity("0.01").Price("1000").NewOrderRespType(binance.NewOrderRespTypeACK).Do(t.Context())
	if err != nil {
		t.Fatalf("limit maker: %v", err)
	}
	if ack.OrderID == 0 || ack.ClientOrderID == "" || ack.Status != "" || ack.TransactTime == 0 {
		t.Fatalf("ACK = %+v", ack)
	}

	got, err := c.NewGetOrderService().Symbol("BTCUSDT").OrigClientOrderID("bot-1-rest").Do(t.Context())
	if err != nil || got.OrderID != rest.OrderID || got.Status != binance.OrderStatusTypeNew || !got.IsWorking ||
		got.OrderListId != -1 || got.OrigQuantity != "0.00100000" {
		t.Fatalf("get order: %v %+v", err, got)
	}
	if _, err := c.NewGetOrderService().Symbol("BTCUSDT").OrderID(999999).Do(t.Context()); binanceCode(err) != -2013 {
		t.Fatalf("unknown order: %v", err)
	}

	open, err := c.NewListOpenOrdersService().Do(t.Context())
	if err != nil || len(open) != 2 {
		t.Fatalf("open orders: %v %+v", err, open)
	}
	openBTC, err := c.NewListOpenOrdersService().Symbol("BTCUSDT").Do(t.Context())
	if err != nil || len(openBTC) != 1 || openBTC[0].ClientOrderID != "bot-1-rest" {
		t.Fatalf("open BTCUSDT orders: %v %+v", err, openBTC)
	}

	acct, err = c.NewGetAccountService().OmitZeroBalances(true).Do(t.Context())
	if err != nil {
		t.Fatalf("account: %v", err)
	}
	bal := map[string]binance.Balance{}
	for _, b := range acct.Balances {
		bal[b.Asset] = b
	}
	if bal["BTC"].Free != "0.00999000" || bal["USDT"].Locked != "40.00000000" {
		t.Fatalf("balances after orders = %+v", acct.Balances)
	}

	canceled, err := c.NewCancelOrderService().Symbol("BTCUSDT").OrderID(rest.OrderID).Do(t.Context())
	if err != nil || canceled.Status != binance.OrderStatusTypeCanceled || canceled.OrigClientOrderID != "bot-1-rest" ||
		canceled.OrderID != rest.OrderID || canceled.ClientOrderID == "" || canceled.OrderListID != -1 {
		t.Fatalf("cancel: %v %+v", err, canceled)
	}
	if _, err := c.NewCancelOrderService().Symbol("BTCUSDT").OrderID(rest.OrderID).Do(t.Context()); binanceCode(err) != -2011 {
		t.Fatalf("second cancel: %v", err)
	}

	all, err := c.NewCancelOpenOrdersService().Symbol("ETHUSDT").Do(t.Context())
	if err != nil || len(all.Orders) != 1 || all.Orders[0].OrderID != ack.OrderID || all.Orders[0].Status != binance.OrderStatusTypeCanceled {
		t.Fatalf("cancel open orders: %v %+v", err, all)
	}

	history, err := c.NewListOrdersService().Symbol("BTCUSDT").Do(t.Context())
	if err != nil || len(history) != 2 || history[0].OrderID != buy.OrderID || history[1].Status != binance.OrderStatusTypeCanceled {
		t.Fatalf("all orders: %v %+v", err, history)
	}
	trades, err := c.NewListTradesService().Symbol("BTCUSDT").Do(t.Context())
	if err != nil || len(trades) != len(buy.Fills) || trades[0].OrderID != buy.OrderID || !trades[0].IsBuyer ||
		trades[0].CommissionAsset != "BTC" || trades[0].OrderListId != -1 {
		t.Fatalf("my trades: %v %+v", err, trades)
	}
	byOrder, err := c.NewListTradesService().Symbol("BTCUSDT").OrderId(buy.OrderID).Do(t.Context())
	if err != nil || len(byOrder) != len(trades) {
		t.Fatalf("my trades by order: %v %+v", err, byOrder)
	}

	limits, err := c.NewRateLimitService().Do(t.Context())
	if err != nil || len(limits) != 2 {
		t.Fatalf("rateLimit/order: %v %+v", err, limits)
	}
	if limits[0].Interval != "SECOND" || limits[0].IntervalNum != 10 || limits[0].Limit != 100 || limits[0].Count != 3 ||
		limits[1].Interval != "DAY" || limits[1].Count != 3 {
		t.Fatalf("rateLimit/order = %+v %+v", limits[0], limits[1])
	}
}

func TestConformanceOrderRejections(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	order := func() *binance.CreateOrderService {
		return c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy)
	}
	tests := []struct {
		name string
		svc  *binance.CreateOrderService
		code int64
	}{
		{"lot size", order().Type(binance.OrderTypeMarket).Quantity("0.000001"), -1013},
		{"precision", order().Type(binance.OrderTypeMarket).Quantity("0.000000001"), -1111},
		{"step", order().Type(binance.OrderTypeLimit).TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.000015").Price("60000"), -1013},
		{"tick", order().Type(binance.OrderTypeLimit).TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.001").Price("60000.001"), -1013},
		{"notional", order().Type(binance.OrderTypeMarket).Quantity("0.00001"), -1013},
		{"balance", order().Type(binance.OrderTypeMarket).Quantity("5"), -2010},
		{"missing tif", order().Type(binance.OrderTypeLimit).Quantity("0.001").Price("60000"), -1102},
		{"market with price", order().Type(binance.OrderTypeMarket).Quantity("0.001").Price("60000"), -1106},
		{"bad type", order().Type("STOP_LOSS").Quantity("0.001"), -1116},
		{"bad side", c.NewCreateOrderService().Symbol("BTCUSDT").Side("HOLD").Type(binance.OrderTypeMarket).Quantity("0.001"), -1117},
		{"unknown symbol", c.NewCreateOrderService().Symbol("FOOUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).Quantity("1"), -1121},
		{"maker would take", order().Type(binance.OrderTypeLimitMaker).Quantity("0.001").Price("90000"), -2010},
		{"no quantity", order().Type(binance.OrderTypeMarket), -1102},
		{"bad client id", order().Type(binance.OrderTypeMarket).Quantity("0.001").NewClientOrderID("has space"), -1100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.svc.Do(t.Context())
			if got := binanceCode(err); got != tt.code {
				t.Fatalf("got %v (code %d), want code %d", err, got, tt.code)
			}
		})
	}
	if got := e.sim.Stats().Orders.Rejected; got != int64(len(tests)) {
		t.Fatalf("rejected = %d, want %d", got, len(tests))
	}
}

func TestConformanceDuplicateClientOrderID(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	place := func() error {
		_, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeLimit).
			TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.001").Price("30000").NewClientOrderID("same-id").Do(t.Context())
		return err
	}
	if err := place(); err != nil {
		t.Fatal(err)
	}
	if err := place(); binanceCode(err) != -2010 {
		t.Fatalf("duplicate open client order id: %v", err)
	}
}

func TestConformanceEd25519Account(t *testing.T) {
	e := newEnv(t, nil)
	pub, privPEM := ed25519PEMs(t)
	e.mustAdmin(http.MethodPost, "/sim/v1/accounts", map[string]any{
		"apiKey": "ed25519-key-1", "publicKeyPEM": pub, "balances": map[string]string{"USDT": "5000", "ETH": "2"},
	})
	c := e.client("ed25519-key-1", privPEM, "ED25519")
	acct, err := c.NewGetAccountService().Do(t.Context())
	if err != nil {
		t.Fatalf("account: %v", err)
	}
	if len(acct.Balances) != 2 || acct.Balances[0].Asset != "ETH" || acct.Balances[0].Free != "2.00000000" {
		t.Fatalf("balances = %+v", acct.Balances)
	}
	sell, err := c.NewCreateOrderService().Symbol("ETHUSDT").Side(binance.SideTypeSell).Type(binance.OrderTypeMarket).
		Quantity("0.5").Do(t.Context())
	if err != nil || sell.Status != binance.OrderStatusTypeFilled || sell.Fills[0].CommissionAsset != "USDT" {
		t.Fatalf("ed25519 sell: %v %+v", err, sell)
	}
	// A cancel carries its parameters in a DELETE body; the signature covers it.
	if _, err := c.NewCancelOrderService().Symbol("ETHUSDT").OrderID(sell.OrderID).Do(t.Context()); binanceCode(err) != -2011 {
		t.Fatalf("cancel filled order: %v", err)
	}
}

func TestConformanceAuthErrors(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name   string
		client func() *binance.Client
		code   int64
	}{
		{"bad signature", func() *binance.Client { return e.client(DemoAPIKey, "wrong-secret", "") }, -1022},
		{"unknown key", func() *binance.Client { return e.client("no-such-key", DemoSecretKey, "") }, -2015},
		{"malformed key", func() *binance.Client { return e.client("has space", DemoSecretKey, "") }, -2014},
		{"empty key", func() *binance.Client { return e.client("", DemoSecretKey, "") }, -2014},
		{"timestamp too old", func() *binance.Client {
			c := e.demo()
			c.TimeOffset += 6000
			return c
		}, -1021},
		{"timestamp ahead", func() *binance.Client {
			c := e.demo()
			c.TimeOffset -= 1500
			return c
		}, -1021},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client().NewGetAccountService().Do(t.Context())
			if got := binanceCode(err); got != tt.code {
				t.Fatalf("got %v, want code %d", err, tt.code)
			}
		})
	}
	// A longer recvWindow lets the old timestamp through.
	c := e.demo()
	c.TimeOffset += 6000
	if _, err := c.NewGetAccountService().Do(t.Context(), binance.WithRecvWindow(10000)); err != nil {
		t.Fatalf("recvWindow 10000: %v", err)
	}
}

func TestConformanceUsedWeightAndOrderCountHeaders(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	if _, err := c.NewExchangeInfoService().Do(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.UsedWeight.Used1M != 20 {
		t.Fatalf("used weight after exchangeInfo = %d, want 20", c.UsedWeight.Used1M)
	}
	if _, err := c.NewListPricesService().Symbols([]string{"BTCUSDT", "ETHUSDT"}).Do(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.UsedWeight.Used1M != 24 {
		t.Fatalf("used weight after ticker/price list = %d, want 24", c.UsedWeight.Used1M)
	}
	for i := 1; i <= 2; i++ {
		if _, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
			Quantity("0.001").Do(t.Context()); err != nil {
			t.Fatal(err)
		}
		if c.OrderCount.Count10s != int64(i) || c.OrderCount.Count1d != int64(i) {
			t.Fatalf("order counts after %d orders = %+v", i, c.OrderCount)
		}
	}
	if c.UsedWeight.Used1M != 24 {
		t.Fatalf("successful orders cost weight: used %d, want 24", c.UsedWeight.Used1M)
	}
	if _, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
		Quantity("100").Do(t.Context()); binanceCode(err) != -2010 {
		t.Fatalf("order over balance: %v", err)
	}
	if c.UsedWeight.Used1M != 25 {
		t.Fatalf("a failed order costs 1: used %d, want 25", c.UsedWeight.Used1M)
	}
	if got := strconv.FormatInt(c.UsedWeight.Used1M, 10); e.sim.Stats().UsedWeight["127.0.0.1"] != 25 {
		t.Fatalf("stats usedWeight = %v, client saw %s", e.sim.Stats().UsedWeight, got)
	}
}
