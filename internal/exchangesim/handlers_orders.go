package exchangesim

import (
	"net/http"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// Binance codes and messages of the order endpoints.
const (
	codeTimeRangeTooLong = -1127
	msgTooMuchPrecision  = "Precision is over the maximum defined for this asset."
	msgNeedOrderID       = "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
	msgNeedQuantity      = "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
	maxHistoryRange      = 24 * time.Hour
)

// handleNewOrder is POST /api/v3/order.
func (s *Simulator) handleNewOrder(rc *reqCtx) (any, *apierr.Error) {
	req, respType, err := s.orderRequest(rc.p)
	if err != nil {
		return nil, err
	}
	od := s.limiter.Order(rc.account.id)
	h := rc.w.Header()
	h["X-Mbx-Order-Count-10s"] = []string{strconv.Itoa(od.Count10s)}
	h["X-Mbx-Order-Count-1d"] = []string{strconv.Itoa(od.Count1d)}
	if od.Err != nil {
		setRetryAfter(rc.w, od.RetryAfter)
		return nil, od.Err
	}
	order, fills, events, perr := s.engine.PlaceOrder(rc.account.id, req)
	s.publishEvents(events)
	if perr != nil {
		return nil, asAPIError(perr)
	}
	s.stats.placed.Add(1)
	return newOrderResponse(respType, order, fills), nil
}

// orderRequest reads and checks the parameters of a new order, with
// Binance's rules for which parameters each order type needs.
func (s *Simulator) orderRequest(p *params) (matching.OrderRequest, string, *apierr.Error) {
	var req matching.OrderRequest
	symbol, err := s.oneSymbol(p)
	if err != nil {
		return req, "", err
	}
	spec, _ := s.engine.Symbol(symbol)
	side, err := p.mandatory("side")
	if err != nil {
		return req, "", err
	}
	typ, err := p.mandatory("type")
	if err != nil {
		return req, "", err
	}
	for _, name := range [...]string{"stopPrice", "trailingDelta", "icebergQty"} {
		if p.has(name) {
			return req, "", notRequired(name)
		}
	}
	qty, hasQty, err := p.decimalParam("quantity")
	if err != nil {
		return req, "", err
	}
	quoteQty, hasQuote, err := p.decimalParam("quoteOrderQty")
	if err != nil {
		return req, "", err
	}
	price, hasPrice, err := p.decimalParam("price")
	if err != nil {
		return req, "", err
	}
	tif := p.get("timeInForce")
	switch matching.OrderType(typ) {
	case matching.TypeMarket:
		switch {
		case hasPrice:
			return req, "", notRequired("price")
		case tif != "":
			return req, "", notRequired("timeInForce")
		case hasQty && hasQuote:
			return req, "", notRequired("quoteOrderQty")
		case !hasQty && !hasQuote:
			return req, "", apierr.BadParam(msgNeedQuantity)
		}
	case matching.TypeLimit, matching.TypeLimitMaker:
		switch {
		case typ == string(matching.TypeLimit) && tif == "":
			return req, "", missingParam("timeInForce")
		case typ == string(matching.TypeLimitMaker) && tif != "":
			return req, "", notRequired("timeInForce")
		case !hasQty:
			return req, "", missingParam("quantity")
		case !hasPrice:
			return req, "", missingParam("price")
		case hasQuote:
			return req, "", notRequired("quoteOrderQty")
		}
	}
	if tooPrecise(qty, spec.BaseAssetPrecision) || tooPrecise(quoteQty, spec.QuoteAssetPrecision) ||
		tooPrecise(price, spec.QuoteAssetPrecision) {
		return req, "", apierr.New(http.StatusBadRequest, apierr.CodeTooMuchPrecision, msgTooMuchPrecision)
	}
	respType := p.get("newOrderRespType")
	if respType == "" {
		respType = "ACK"
		if typ != string(matching.TypeLimitMaker) {
			respType = "FULL" // Binance's default for MARKET and LIMIT
		}
	}
	req = matching.OrderRequest{
		Symbol: symbol, Side: matching.Side(side), Type: matching.OrderType(typ), TimeInForce: matching.TimeInForce(tif),
		Quantity: qty, QuoteOrderQty: quoteQty, Price: price, ClientOrderID: p.get("newClientOrderId"),
	}
	return req, respType, nil
}

// tooPrecise reports whether d has more significant decimals than places.
func tooPrecise(d decimal.Decimal, places int) bool {
	if d.Exponent() >= -int32(places) {
		return false
	}
	return !d.Equal(d.Truncate(int32(places)))
}

// orderRef reads the order an endpoint is about: orderId or
// origClientOrderId, at least one.
func orderRef(p *params) (int64, string, *apierr.Error) {
	id, err := p.int64Param("orderId")
	if err != nil {
		return 0, "", err
	}
	clientID := p.get("origClientOrderId")
	if id == 0 && clientID == "" {
		return 0, "", apierr.BadParam(msgNeedOrderID)
	}
	return id, clientID, nil
}

func (s *Simulator) handleGetOrder(rc *reqCtx) (any, *apierr.Error) {
	symbol, err := s.oneSymbol(rc.p)
	if err != nil {
		return nil, err
	}
	id, clientID, err := orderRef(rc.p)
	if err != nil {
		return nil, err
	}
	o, oerr := s.engine.GetOrder(rc.account.id, symbol, id, clientID)
	if oerr != nil {
		return nil, asAPIError(oerr)
	}
	return newOrderJSON(o), nil
}

func (s *Simulator) handleCancelOrder(rc *reqCtx) (any, *apierr.Error) {
	symbol, err := s.oneSymbol(rc.p)
	if err != nil {
		return nil, err
	}
	id, clientID, err := orderRef(rc.p)
	if err != nil {
		return nil, err
	}
	if v := rc.p.get("cancelRestrictions"); v != "" && v != "ONLY_NEW" && v != "ONLY_PARTIALLY_FILLED" {
		return nil, illegalChars("cancelRestrictions", "ONLY_NEW, ONLY_PARTIALLY_FILLED")
	}
	o, events, cerr := s.engine.CancelOrder(rc.account.id, symbol, id, clientID)
	s.publishEvents(events)
	if cerr != nil {
		return nil, asAPIError(cerr)
	}
	cancelID := rc.p.get("newClientOrderId")
	if cancelID == "" {
		cancelID = s.newCancelID()
	}
	return newCancelJSON(o, cancelID), nil
}

// newCancelID generates the client order id of a cancel that names none.
func (s *Simulator) newCancelID() string {
	return "simcancel" + strconv.FormatInt(s.cancelIDs.Add(1), 36)
}

func (s *Simulator) handleOpenOrders(rc *reqCtx) (any, *apierr.Error) {
	symbol := ""
	if rc.p.has("symbol") {
		var err *apierr.Error
		if symbol, err = s.oneSymbol(rc.p); err != nil {
			return nil, err
		}
	}
	return ordersJSON(s.engine.OpenOrders(rc.account.id, symbol)), nil
}

func (s *Simulator) handleCancelOpenOrders(rc *reqCtx) (any, *apierr.Error) {
	symbol, err := s.oneSymbol(rc.p)
	if err != nil {
		return nil, err
	}
	orders, events, cerr := s.engine.CancelOpenOrders(rc.account.id, symbol)
	s.publishEvents(events)
	if cerr != nil {
		return nil, asAPIError(cerr)
	}
	out := make([]cancelJSON, len(orders))
	for i, o := range orders {
		out[i] = newCancelJSON(o, s.newCancelID())
	}
	return out, nil
}

// historyQuery reads symbol, startTime, endTime and limit of allOrders and
// myTrades; the time range may span at most 24 hours.
func (s *Simulator) historyQuery(p *params) (matching.OrderQuery, *apierr.Error) {
	var q matching.OrderQuery
	symbol, err := s.oneSymbol(p)
	if err != nil {
		return q, err
	}
	start, err := p.int64Param("startTime")
	if err != nil {
		return q, err
	}
	end, err := p.int64Param("endTime")
	if err != nil {
		return q, err
	}
	if start != 0 && end != 0 && end-start > maxHistoryRange.Milliseconds() {
		return q, apierr.New(http.StatusBadRequest, codeTimeRangeTooLong, "More than 24 hours between startTime and endTime.")
	}
	limit, err := p.int64Param("limit")
	if err != nil {
		return q, err
	}
	return matching.OrderQuery{Symbol: symbol, Start: fromMs(start), End: fromMs(end), Limit: clampLimit(limit)}, nil
}

func (s *Simulator) handleAllOrders(rc *reqCtx) (any, *apierr.Error) {
	q, err := s.historyQuery(rc.p)
	if err != nil {
		return nil, err
	}
	if q.FromID, err = rc.p.int64Param("orderId"); err != nil {
		return nil, err
	}
	return ordersJSON(s.engine.AllOrders(rc.account.id, q)), nil
}

func (s *Simulator) handleMyTrades(rc *reqCtx) (any, *apierr.Error) {
	q, err := s.historyQuery(rc.p)
	if err != nil {
		return nil, err
	}
	if q.FromID, err = rc.p.int64Param("fromId"); err != nil {
		return nil, err
	}
	orderID, err := rc.p.int64Param("orderId")
	if err != nil {
		return nil, err
	}
	trades := s.engine.MyTrades(rc.account.id, q, orderID)
	out := make([]myTradeJSON, len(trades))
	for i, t := range trades {
		out[i] = newMyTradeJSON(t)
	}
	return out, nil
}
