package exchange

import (
	"time"

	"github.com/adshao/go-binance/v2"
)

// The conversions below turn go-binance's string-typed answers into Orders
// with exact decimals; a field that does not parse makes the whole answer
// unreadable (badResponse), never a silent zero.

func orderFromCreate(r *binance.CreateOrderResponse) (Order, error) {
	var d decimals
	o := Order{
		Symbol: r.Symbol, OrderID: r.OrderID, ClientOrderID: r.ClientOrderID,
		Side: r.Side, Type: r.Type, TimeInForce: r.TimeInForce, Status: r.Status,
		Price:              d.parse("price", r.Price),
		OrigQty:            d.parse("origQty", r.OrigQuantity),
		ExecutedQty:        d.parse("executedQty", r.ExecutedQuantity),
		CumulativeQuoteQty: d.parse("cummulativeQuoteQty", r.CummulativeQuoteQuantity),
		Time:               time.UnixMilli(r.TransactTime).UTC(),
		UpdateTime:         time.UnixMilli(r.TransactTime).UTC(),
	}
	for _, f := range r.Fills {
		o.Fills = append(o.Fills, Fill{
			TradeID: f.TradeID, Price: d.parse("fill price", f.Price), Qty: d.parse("fill qty", f.Quantity),
			Commission: d.parse("commission", f.Commission), CommissionAsset: f.CommissionAsset,
		})
	}
	if d.err != nil {
		return Order{}, badResponse(pathOrder, d.err)
	}
	return o, nil
}

func orderFromOrder(r *binance.Order) (Order, error) {
	var d decimals
	o := Order{
		Symbol: r.Symbol, OrderID: r.OrderID, ClientOrderID: r.ClientOrderID,
		Side: r.Side, Type: r.Type, TimeInForce: r.TimeInForce, Status: r.Status,
		Price:              d.parse("price", r.Price),
		OrigQty:            d.parse("origQty", r.OrigQuantity),
		ExecutedQty:        d.parse("executedQty", r.ExecutedQuantity),
		CumulativeQuoteQty: d.parse("cummulativeQuoteQty", r.CummulativeQuoteQuantity),
		Time:               time.UnixMilli(r.Time).UTC(),
		UpdateTime:         time.UnixMilli(r.UpdateTime).UTC(),
	}
	if d.err != nil {
		return Order{}, badResponse(pathOrder, d.err)
	}
	return o, nil
}

func orderFromCancel(r *binance.CancelOrderResponse) (Order, error) {
	var d decimals
	o := Order{
		Symbol: r.Symbol, OrderID: r.OrderID, ClientOrderID: r.OrigClientOrderID,
		Side: r.Side, Type: r.Type, TimeInForce: r.TimeInForce, Status: r.Status,
		Price:              d.parse("price", r.Price),
		OrigQty:            d.parse("origQty", r.OrigQuantity),
		ExecutedQty:        d.parse("executedQty", r.ExecutedQuantity),
		CumulativeQuoteQty: d.parse("cummulativeQuoteQty", r.CummulativeQuoteQuantity),
		UpdateTime:         time.UnixMilli(r.TransactTime).UTC(),
	}
	if d.err != nil {
		return Order{}, badResponse(pathOrder, d.err)
	}
	return o, nil
}
