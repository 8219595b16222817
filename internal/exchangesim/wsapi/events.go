package wsapi

import (
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// Binance prints spot amounts with 8 decimals.
const amountDecimals = 8

// executionReport is Binance's user-data event for an order change, in the
// field order Binance sends and with the keys go-binance's WsOrderUpdate
// decodes.
type executionReport struct {
	Event              string  `json:"e"`
	EventTime          int64   `json:"E"`
	Symbol             string  `json:"s"`
	ClientOrderID      string  `json:"c"`
	Side               string  `json:"S"`
	Type               string  `json:"o"`
	TimeInForce        string  `json:"f"`
	Quantity           string  `json:"q"`
	Price              string  `json:"p"`
	StopPrice          string  `json:"P"`
	IcebergQty         string  `json:"F"`
	OrderListID        int64   `json:"g"`
	OrigClientOrderID  string  `json:"C"`
	ExecutionType      string  `json:"x"`
	Status             string  `json:"X"`
	RejectReason       string  `json:"r"`
	OrderID            int64   `json:"i"`
	LastQty            string  `json:"l"`
	CumulativeQty      string  `json:"z"`
	LastPrice          string  `json:"L"`
	Commission         string  `json:"n"`
	CommissionAsset    *string `json:"N"`
	TransactionTime    int64   `json:"T"`
	TradeID            int64   `json:"t"`
	ExecutionID        int64   `json:"I"`
	IsWorking          bool    `json:"w"` // on the book now
	IsMaker            bool    `json:"m"`
	Ignore             bool    `json:"M"`
	CreationTime       int64   `json:"O"`
	CumulativeQuoteQty string  `json:"Z"`
	LastQuoteQty       string  `json:"Y"`
	QuoteOrderQty      string  `json:"Q"`
	WorkingTime        *int64  `json:"W,omitempty"` // once the order has worked
	SelfTradePrevent   string  `json:"V"`
}

// accountPosition is Binance's outboundAccountPosition event.
type accountPosition struct {
	Event      string           `json:"e"`
	EventTime  int64            `json:"E"`
	LastUpdate int64            `json:"u"`
	Balances   []accountBalance `json:"B"`
}

type accountBalance struct {
	Asset  string `json:"a"`
	Free   string `json:"f"`
	Locked string `json:"l"`
}

// encodeEvent returns the event's JSON, or nil for an event type the
// WebSocket API does not carry.
func (s *Server) encodeEvent(ev matching.Event) []byte {
	var v any
	switch e := ev.(type) {
	case matching.ExecutionReport:
		v = s.executionReport(e)
	case *matching.ExecutionReport:
		v = s.executionReport(*e)
	case matching.AccountPosition:
		v = newAccountPosition(e)
	case *matching.AccountPosition:
		v = newAccountPosition(*e)
	default:
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func (s *Server) executionReport(e matching.ExecutionReport) executionReport {
	o := e.Order
	r := executionReport{
		Event:              "executionReport",
		EventTime:          millis(e.EventTime),
		Symbol:             o.Symbol,
		ClientOrderID:      o.ClientOrderID,
		Side:               string(o.Side),
		Type:               string(o.Type),
		TimeInForce:        string(o.TimeInForce),
		Quantity:           amount(o.OrigQty),
		Price:              amount(o.Price),
		StopPrice:          amount(decimal.Zero),
		IcebergQty:         amount(decimal.Zero),
		OrderListID:        -1,
		ExecutionType:      string(e.ExecutionType),
		Status:             string(o.Status),
		RejectReason:       e.RejectReason,
		OrderID:            o.OrderID,
		LastQty:            amount(decimal.Zero),
		CumulativeQty:      amount(o.ExecutedQty),
		LastPrice:          amount(decimal.Zero),
		Commission:         "0",
		TransactionTime:    millis(o.UpdateTime),
		TradeID:            -1,
		ExecutionID:        s.execSeq.Add(1),
		IsWorking:          o.IsWorking && (o.Status == matching.StatusNew || o.Status == matching.StatusPartiallyFilled),
		CreationTime:       millis(o.Time),
		CumulativeQuoteQty: amount(o.CumulativeQuoteQty),
		LastQuoteQty:       amount(decimal.Zero),
		QuoteOrderQty:      amount(o.OrigQuoteOrderQty),
		SelfTradePrevent:   "EXPIRE_MAKER",
	}
	if r.TimeInForce == "" {
		r.TimeInForce = "GTC" // Binance reports MARKET and LIMIT_MAKER orders as GTC
	}
	if r.RejectReason == "" {
		r.RejectReason = "NONE"
	}
	if o.UpdateTime.IsZero() {
		r.TransactionTime = r.EventTime
	}
	if e.ExecutionType == matching.ExecCanceled {
		// The simulator's cancels carry no new client id: the order's own
		// id stands in both places.
		r.OrigClientOrderID = o.ClientOrderID
	}
	if f := e.LastFill; f != nil {
		r.LastQty = amount(f.Qty)
		r.LastPrice = amount(f.Price)
		r.LastQuoteQty = amount(f.Price.Mul(f.Qty))
		r.Commission = amount(f.Commission)
		asset := f.CommissionAsset
		r.CommissionAsset = &asset
		r.TradeID = f.TradeID
		r.IsMaker = f.Maker
	}
	if o.IsWorking && !o.WorkingTime.IsZero() {
		w := millis(o.WorkingTime)
		r.WorkingTime = &w
	}
	return r
}

func newAccountPosition(e matching.AccountPosition) accountPosition {
	p := accountPosition{
		Event:      "outboundAccountPosition",
		EventTime:  millis(e.EventTime),
		LastUpdate: millis(e.EventTime),
		Balances:   make([]accountBalance, len(e.Balances)),
	}
	for i, b := range e.Balances {
		p.Balances[i] = accountBalance{Asset: b.Asset, Free: amount(b.Free), Locked: amount(b.Locked)}
	}
	return p
}

func amount(d decimal.Decimal) string { return d.StringFixed(amountDecimals) }

func millis(t time.Time) int64 { return t.UnixMilli() }
