package userdata

import (
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
)

// Kind is an event's type.
type Kind int

// Event kinds.
const (
	// KindNone is a message that is no event this package follows.
	KindNone Kind = iota
	// KindOrder is an executionReport: an order changed (new, trade,
	// canceled, rejected, expired).
	KindOrder
	// KindBalances is an outboundAccountPosition: balances changed.
	KindBalances
)

// Event is one user-data event.
type Event struct {
	Kind      Kind
	EventTime time.Time
	Order     *OrderUpdate // KindOrder
	Balances  []Balance    // KindBalances
}

// OrderUpdate is an executionReport. Amounts are exact decimals.
type OrderUpdate struct {
	Symbol        string
	ClientOrderID string
	// OrigClientOrderID is the canceled order's client id on a cancel.
	OrigClientOrderID string
	Side, Type        string
	TimeInForce       string
	// ExecutionType is what happened (NEW, TRADE, CANCELED, REJECTED,
	// EXPIRED, ...); Status is the order's status after it.
	ExecutionType, Status string
	RejectReason          string
	OrderID               int64
	Quantity, Price       decimal.Decimal
	// LastQty, LastPrice and LastQuote are the fill of a TRADE event;
	// TradeID identifies it (-1 otherwise).
	LastQty, LastPrice, LastQuote decimal.Decimal
	TradeID                       int64
	CumulativeQty                 decimal.Decimal
	CumulativeQuote               decimal.Decimal
	Commission                    decimal.Decimal
	CommissionAsset               string
	IsMaker                       bool
	TransactionTime, CreationTime time.Time
}

// Balance is one asset's balance after a change.
type Balance struct {
	Asset        string
	Free, Locked decimal.Decimal
}

// parseMessage reads a WebSocket API message. ok is false for a message
// that is not JSON or an event whose fields do not parse; a message that
// is valid but no followed event (an answer, another event type) is
// KindNone.
func parseMessage(msg []byte) (Event, bool) {
	var env struct {
		SubscriptionID *int64          `json:"subscriptionId"`
		Event          json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(msg, &env); err != nil {
		return Event{}, false
	}
	if env.SubscriptionID == nil || len(env.Event) == 0 {
		return Event{}, true
	}
	var head struct {
		Type string          `json:"e"`
		Time json.RawMessage `json:"E"` // declared so that it cannot match "e"
	}
	if err := json.Unmarshal(env.Event, &head); err != nil {
		return Event{}, false
	}
	switch head.Type {
	case "executionReport":
		return parseExecutionReport(env.Event)
	case "outboundAccountPosition":
		return parseAccountPosition(env.Event)
	}
	return Event{}, true
}

func parseExecutionReport(raw json.RawMessage) (Event, bool) {
	// Every key Binance sends is declared: encoding/json matches keys
	// case-insensitively when no field has the exact name, and this event
	// uses both cases of many letters ("e" and "E", "x" and "X").
	var r struct {
		Event             string          `json:"e"`
		EventTime         int64           `json:"E"`
		StopPrice         json.RawMessage `json:"P"`
		IcebergQty        json.RawMessage `json:"F"`
		OrderListID       json.RawMessage `json:"g"`
		ExecutionID       json.RawMessage `json:"I"`
		IsWorking         json.RawMessage `json:"w"`
		Ignore            json.RawMessage `json:"M"`
		WorkingTime       json.RawMessage `json:"W"`
		SelfTradePrevent  json.RawMessage `json:"V"`
		QuoteOrderQty     json.RawMessage `json:"Q"`
		Symbol            string          `json:"s"`
		ClientOrderID     string          `json:"c"`
		Side              string          `json:"S"`
		Type              string          `json:"o"`
		TimeInForce       string          `json:"f"`
		Quantity          string          `json:"q"`
		Price             string          `json:"p"`
		OrigClientOrderID string          `json:"C"`
		ExecutionType     string          `json:"x"`
		Status            string          `json:"X"`
		RejectReason      string          `json:"r"`
		OrderID           int64           `json:"i"`
		LastQty           string          `json:"l"`
		CumulativeQty     string          `json:"z"`
		LastPrice         string          `json:"L"`
		Commission        string          `json:"n"`
		CommissionAsset   *string         `json:"N"`
		TransactionTime   int64           `json:"T"`
		TradeID           int64           `json:"t"`
		IsMaker           bool            `json:"m"`
		CreationTime      int64           `json:"O"`
		CumulativeQuote   string          `json:"Z"`
		LastQuote         string          `json:"Y"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Symbol == "" || r.ExecutionType == "" {
		return Event{}, false
	}
	u := &OrderUpdate{
		Symbol: r.Symbol, ClientOrderID: r.ClientOrderID, OrigClientOrderID: r.OrigClientOrderID,
		Side: r.Side, Type: r.Type, TimeInForce: r.TimeInForce,
		ExecutionType: r.ExecutionType, Status: r.Status, RejectReason: r.RejectReason,
		OrderID: r.OrderID, TradeID: r.TradeID, IsMaker: r.IsMaker,
		TransactionTime: time.UnixMilli(r.TransactionTime).UTC(), CreationTime: time.UnixMilli(r.CreationTime).UTC(),
	}
	if r.CommissionAsset != nil {
		u.CommissionAsset = *r.CommissionAsset
	}
	for _, f := range []struct {
		dst *decimal.Decimal
		src string
	}{
		{&u.Quantity, r.Quantity}, {&u.Price, r.Price}, {&u.LastQty, r.LastQty}, {&u.LastPrice, r.LastPrice},
		{&u.LastQuote, r.LastQuote}, {&u.CumulativeQty, r.CumulativeQty}, {&u.CumulativeQuote, r.CumulativeQuote},
		{&u.Commission, r.Commission},
	} {
		if f.src == "" {
			continue
		}
		d, err := decimal.NewFromString(f.src)
		if err != nil {
			return Event{}, false
		}
		*f.dst = d
	}
	return Event{Kind: KindOrder, EventTime: time.UnixMilli(r.EventTime).UTC(), Order: u}, true
}

func parseAccountPosition(raw json.RawMessage) (Event, bool) {
	var r struct {
		Event      string          `json:"e"`
		EventTime  int64           `json:"E"`
		LastUpdate json.RawMessage `json:"u"`
		Balances   []struct {
			Asset  string `json:"a"`
			Free   string `json:"f"`
			Locked string `json:"l"`
		} `json:"B"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return Event{}, false
	}
	ev := Event{Kind: KindBalances, EventTime: time.UnixMilli(r.EventTime).UTC()}
	for _, b := range r.Balances {
		free, err1 := decimal.NewFromString(b.Free)
		locked, err2 := decimal.NewFromString(b.Locked)
		if err1 != nil || err2 != nil || b.Asset == "" {
			return Event{}, false
		}
		ev.Balances = append(ev.Balances, Balance{Asset: b.Asset, Free: free, Locked: locked})
	}
	return ev, true
}
