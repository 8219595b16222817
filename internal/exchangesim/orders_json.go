package exchangesim

import (
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// noOrderList is orderListId for orders outside an order list.
const noOrderList = -1

// stpMode is the self-trade prevention mode of every order: the simulator
// has no self-trades to prevent.
const stpMode = "NONE"

// orderJSON is an order in GET order, openOrders and allOrders.
type orderJSON struct {
	Symbol                  string `json:"symbol"`
	OrderID                 int64  `json:"orderId"`
	OrderListID             int64  `json:"orderListId"`
	ClientOrderID           string `json:"clientOrderId"`
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	StopPrice               string `json:"stopPrice"`
	IcebergQty              string `json:"icebergQty"`
	Time                    int64  `json:"time"`
	UpdateTime              int64  `json:"updateTime"`
	IsWorking               bool   `json:"isWorking"`
	WorkingTime             int64  `json:"workingTime"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

const zeroNum = "0.00000000"

func newOrderJSON(o matching.Order) orderJSON {
	return orderJSON{
		Symbol:                  o.Symbol,
		OrderID:                 o.OrderID,
		OrderListID:             noOrderList,
		ClientOrderID:           o.ClientOrderID,
		Price:                   num(o.Price),
		OrigQty:                 num(o.OrigQty),
		ExecutedQty:             num(o.ExecutedQty),
		CummulativeQuoteQty:     num(o.CumulativeQuoteQty),
		Status:                  string(o.Status),
		TimeInForce:             timeInForce(o),
		Type:                    string(o.Type),
		Side:                    string(o.Side),
		StopPrice:               zeroNum,
		IcebergQty:              zeroNum,
		Time:                    ms(o.Time),
		UpdateTime:              ms(o.UpdateTime),
		IsWorking:               o.IsWorking,
		WorkingTime:             workingTime(o),
		OrigQuoteOrderQty:       num(o.OrigQuoteOrderQty),
		SelfTradePreventionMode: stpMode,
	}
}

func ordersJSON(orders []matching.Order) []orderJSON {
	out := make([]orderJSON, len(orders))
	for i, o := range orders {
		out[i] = newOrderJSON(o)
	}
	return out
}

// timeInForce is what Binance reports: GTC for MARKET and LIMIT_MAKER.
func timeInForce(o matching.Order) string {
	if o.TimeInForce == "" {
		return string(matching.GTC)
	}
	return string(o.TimeInForce)
}

// workingTime is -1 for an order that never worked on the book, as Binance
// reports it.
func workingTime(o matching.Order) int64 {
	if o.WorkingTime.IsZero() {
		return -1
	}
	return o.WorkingTime.UnixMilli()
}

// New order responses: ACK, RESULT and FULL each add to the one before.
type ackJSON struct {
	Symbol        string `json:"symbol"`
	OrderID       int64  `json:"orderId"`
	OrderListID   int64  `json:"orderListId"`
	ClientOrderID string `json:"clientOrderId"`
	TransactTime  int64  `json:"transactTime"`
}

type resultJSON struct {
	ackJSON
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	WorkingTime             int64  `json:"workingTime"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

type fullJSON struct {
	resultJSON
	Fills []fillJSON `json:"fills"`
}

type fillJSON struct {
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	TradeID         int64  `json:"tradeId"`
}

// newOrderResponse builds the response of POST /api/v3/order.
func newOrderResponse(respType string, o matching.Order, fills []matching.Fill) any {
	ack := ackJSON{Symbol: o.Symbol, OrderID: o.OrderID, OrderListID: noOrderList,
		ClientOrderID: o.ClientOrderID, TransactTime: ms(o.Time)}
	if respType == "ACK" {
		return ack
	}
	result := resultJSON{
		ackJSON: ack, Price: num(o.Price), OrigQty: num(o.OrigQty), ExecutedQty: num(o.ExecutedQty),
		OrigQuoteOrderQty: num(o.OrigQuoteOrderQty), CummulativeQuoteQty: num(o.CumulativeQuoteQty),
		Status: string(o.Status), TimeInForce: timeInForce(o), Type: string(o.Type), Side: string(o.Side),
		WorkingTime: workingTime(o), SelfTradePreventionMode: stpMode,
	}
	if respType == "RESULT" {
		return result
	}
	full := fullJSON{resultJSON: result, Fills: make([]fillJSON, len(fills))}
	for i, f := range fills {
		full.Fills[i] = fillJSON{Price: num(f.Price), Qty: num(f.Qty), Commission: num(f.Commission),
			CommissionAsset: f.CommissionAsset, TradeID: f.TradeID}
	}
	return full
}

// cancelJSON is one canceled order in DELETE order and DELETE openOrders.
type cancelJSON struct {
	Symbol                  string `json:"symbol"`
	OrigClientOrderID       string `json:"origClientOrderId"`
	OrderID                 int64  `json:"orderId"`
	OrderListID             int64  `json:"orderListId"`
	ClientOrderID           string `json:"clientOrderId"`
	TransactTime            int64  `json:"transactTime"`
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

func newCancelJSON(o matching.Order, cancelClientID string) cancelJSON {
	return cancelJSON{
		Symbol: o.Symbol, OrigClientOrderID: o.ClientOrderID, OrderID: o.OrderID, OrderListID: noOrderList,
		ClientOrderID: cancelClientID, TransactTime: ms(o.UpdateTime), Price: num(o.Price), OrigQty: num(o.OrigQty),
		ExecutedQty: num(o.ExecutedQty), OrigQuoteOrderQty: num(o.OrigQuoteOrderQty),
		CummulativeQuoteQty: num(o.CumulativeQuoteQty), Status: string(o.Status), TimeInForce: timeInForce(o),
		Type: string(o.Type), Side: string(o.Side), SelfTradePreventionMode: stpMode,
	}
}

// myTradeJSON is one trade of GET /api/v3/myTrades.
type myTradeJSON struct {
	Symbol          string `json:"symbol"`
	ID              int64  `json:"id"`
	OrderID         int64  `json:"orderId"`
	OrderListID     int64  `json:"orderListId"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	QuoteQty        string `json:"quoteQty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	Time            int64  `json:"time"`
	IsBuyer         bool   `json:"isBuyer"`
	IsMaker         bool   `json:"isMaker"`
	IsBestMatch     bool   `json:"isBestMatch"`
}

func newMyTradeJSON(t matching.Trade) myTradeJSON {
	return myTradeJSON{
		Symbol: t.Symbol, ID: t.ID, OrderID: t.OrderID, OrderListID: noOrderList, Price: num(t.Price), Qty: num(t.Qty),
		QuoteQty: num(t.QuoteQty), Commission: num(t.Commission), CommissionAsset: t.CommissionAsset,
		Time: ms(t.Time), IsBuyer: t.IsBuyer, IsMaker: t.IsMaker, IsBestMatch: true,
	}
}
