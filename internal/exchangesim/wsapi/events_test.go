package wsapi

import (
	"encoding/json"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// decodeLikeGoBinance decodes an event payload the way go-binance's
// WsUserDataServeSignature does: the whole payload into WsUserDataEvent, then
// again into the part its "e" selects.
func decodeLikeGoBinance(t *testing.T, payload []byte) *binance.WsUserDataEvent {
	t.Helper()
	ev := new(binance.WsUserDataEvent)
	if err := json.Unmarshal(payload, ev); err != nil {
		t.Fatalf("WsUserDataEvent: %v\n%s", err, payload)
	}
	var target any
	switch ev.Event {
	case binance.UserDataEventTypeExecutionReport:
		target = &ev.OrderUpdate
	case binance.UserDataEventTypeOutboundAccountPosition:
		target = &ev.AccountUpdate
	default:
		t.Fatalf("unexpected event type %q", ev.Event)
	}
	if err := json.Unmarshal(payload, target); err != nil {
		t.Fatalf("%s: %v\n%s", ev.Event, err, payload)
	}
	return ev
}

func amt(s string) string { return decimal.RequireFromString(s).StringFixed(8) }

func TestExecutionReportsDecodeWithGoBinance(t *testing.T) {
	clock := newFakeClock()
	eng := testEngine(t, clock.Now)
	s := New(Config{Now: clock.Now})
	d := decimal.RequireFromString

	// A resting LIMIT buy: NEW.
	limit, _, events, err := eng.PlaceOrder("alice", matching.OrderRequest{
		Symbol: "BTCUSDT", Side: matching.SideBuy, Type: matching.TypeLimit, TimeInForce: matching.GTC,
		Quantity: d("0.01"), Price: d("60000"), ClientOrderID: "bot-1-limit",
	})
	if err != nil {
		t.Fatal(err)
	}
	newEv := decodeLikeGoBinance(t, s.encodeEvent(events[0]))
	want := binance.WsOrderUpdate{
		Symbol: "BTCUSDT", ClientOrderId: "bot-1-limit", Side: "BUY", Type: "LIMIT", TimeInForce: "GTC",
		Volume: amt("0.01"), Price: amt("60000"), StopPrice: amt("0"), IceBergVolume: amt("0"), OrderListId: -1,
		ExecutionType: "NEW", Status: "NEW", RejectReason: "NONE", Id: limit.OrderID,
		LatestVolume: amt("0"), FilledVolume: amt("0"), LatestPrice: amt("0"), FeeCost: "0",
		TransactionTime: limit.UpdateTime.UnixMilli(), TradeId: -1, IgnoreI: newEv.OrderUpdate.IgnoreI,
		IsInOrderBook: true, CreateTime: limit.Time.UnixMilli(), FilledQuoteVolume: amt("0"),
		LatestQuoteVolume: amt("0"), QuoteVolume: amt("0"), SelfTradePreventionMode: "EXPIRE_MAKER",
		WorkingTime: limit.WorkingTime.UnixMilli(),
	}
	if newEv.Event != "executionReport" || newEv.Time != clock.Now().UnixMilli() || newEv.OrderUpdate != want {
		t.Fatalf("NEW\n got %s %d %+v\nwant %+v", newEv.Event, newEv.Time, newEv.OrderUpdate, want)
	}
	if newEv.OrderUpdate.IgnoreI <= 0 {
		t.Fatalf("execution id %d", newEv.OrderUpdate.IgnoreI)
	}
	var pos *binance.WsUserDataEvent
	for _, ev := range events {
		if _, ok := ev.(matching.AccountPosition); ok {
			pos = decodeLikeGoBinance(t, s.encodeEvent(ev))
		}
	}
	wantBalances := []binance.WsAccountUpdate{{Asset: "USDT", Free: amt("99400"), Locked: amt("600")}}
	if pos == nil || len(pos.AccountUpdate.WsAccountUpdates) != 1 || pos.AccountUpdate.WsAccountUpdates[0] != wantBalances[0] ||
		pos.AccountUpdate.AccountUpdateTime != clock.Now().UnixMilli() {
		t.Fatalf("outboundAccountPosition %+v, want %+v", pos, wantBalances)
	}

	// A MARKET buy fills against the simulated book: TRADE with the fill.
	clock.Advance(time.Second)
	market, fills, events, err := eng.PlaceOrder("alice", matching.OrderRequest{
		Symbol: "BTCUSDT", Side: matching.SideBuy, Type: matching.TypeMarket, Quantity: d("0.02"), ClientOrderID: "bot-1-mkt",
	})
	if err != nil || len(fills) == 0 {
		t.Fatalf("market order: %v, %d fills", err, len(fills))
	}
	var trades []binance.WsOrderUpdate
	for _, ev := range events {
		if r, ok := ev.(matching.ExecutionReport); ok && r.ExecutionType == matching.ExecTrade {
			trades = append(trades, decodeLikeGoBinance(t, s.encodeEvent(ev)).OrderUpdate)
		}
	}
	if len(trades) != len(fills) {
		t.Fatalf("%d TRADE events for %d fills", len(trades), len(fills))
	}
	f, last := fills[0], trades[len(trades)-1]
	first := trades[0]
	if first.LatestVolume != amt(f.Qty.String()) || first.LatestPrice != amt(f.Price.String()) ||
		first.FeeCost != amt(f.Commission.String()) || first.FeeAsset != f.CommissionAsset || first.TradeId != f.TradeID ||
		first.LatestQuoteVolume != amt(f.Price.Mul(f.Qty).String()) || first.IsMaker || first.TimeInForce != "GTC" {
		t.Fatalf("first TRADE %+v, fill %+v", first, f)
	}
	if last.Status != "FILLED" || last.FilledVolume != amt(market.ExecutedQty.String()) ||
		last.FilledQuoteVolume != amt(market.CumulativeQuoteQty.String()) || last.IsInOrderBook ||
		last.WorkingTime != market.WorkingTime.UnixMilli() {
		t.Fatalf("last TRADE %+v, order %+v", last, market)
	}

	// Cancel the resting order: CANCELED, with the original client id in "C".
	canceled, events, err := eng.CancelOrder("alice", "BTCUSDT", limit.OrderID, "")
	if err != nil {
		t.Fatal(err)
	}
	c := decodeLikeGoBinance(t, s.encodeEvent(events[0])).OrderUpdate
	if c.ExecutionType != "CANCELED" || c.Status != "CANCELED" || c.OrigCustomOrderId != "bot-1-limit" ||
		c.ClientOrderId != "bot-1-limit" || c.Id != canceled.OrderID || c.FeeAsset != "" {
		t.Fatalf("CANCELED %+v", c)
	}
}

func TestEncodeEventRawJSONFields(t *testing.T) {
	// go-binance ignores what it does not know; check the fields it cannot
	// show: "N" is null without a fill and "W" is absent off the book.
	s := New(Config{})
	ev := matching.ExecutionReport{
		Account: "a", ExecutionType: matching.ExecExpired, EventTime: time.UnixMilli(1000),
		Order: matching.Order{Symbol: "BTCUSDT", OrderID: 7, Status: matching.StatusExpired, Type: matching.TypeLimit,
			TimeInForce: matching.IOC, Side: matching.SideSell, Time: time.UnixMilli(900), UpdateTime: time.UnixMilli(1000)},
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(s.encodeEvent(ev), &fields); err != nil {
		t.Fatal(err)
	}
	if string(fields["N"]) != "null" || fields["W"] != nil || string(fields["f"]) != `"IOC"` || string(fields["T"]) != "1000" {
		t.Fatalf("fields N=%s W=%s f=%s T=%s", fields["N"], fields["W"], fields["f"], fields["T"])
	}
	if s.encodeEvent(otherEvent{}) != nil {
		t.Fatal("unknown event types must be skipped")
	}
}

type otherEvent struct{}

func (otherEvent) AccountID() string { return "a" }
