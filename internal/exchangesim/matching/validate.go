package matching

import (
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// checkParams checks an order's parameters the way Binance does before any
// filter: enums, mandatory and unwanted parameters, signs, precision.
func checkParams(spec SymbolSpec, req OrderRequest) *apierr.Error {
	if req.Side != SideBuy && req.Side != SideSell {
		return apierr.Rejected(apierr.CodeInvalidSide, "Invalid side.")
	}
	if req.ClientOrderID != "" && !validClientOrderID(req.ClientOrderID) {
		return errIllegalChars("newClientOrderId", clientOrderIDRange)
	}
	for _, p := range []struct {
		name  string
		value decimal.Decimal
	}{{"quantity", req.Quantity}, {"quoteOrderQty", req.QuoteOrderQty}, {"price", req.Price}} {
		if p.value.IsNegative() {
			return errIllegalChars(p.name, numberRange)
		}
	}
	switch req.Type {
	case TypeLimit:
		switch {
		case req.TimeInForce == "":
			return errMandatory("timeInForce")
		case req.TimeInForce != GTC && req.TimeInForce != IOC && req.TimeInForce != FOK:
			return apierr.Rejected(codeInvalidTimeInForce, "Invalid timeInForce.")
		}
		if err := needLimitParams(req); err != nil {
			return err
		}
	case TypeLimitMaker:
		if req.TimeInForce != "" {
			return errNotRequired("timeInForce")
		}
		if err := needLimitParams(req); err != nil {
			return err
		}
	case TypeMarket:
		switch {
		case req.TimeInForce != "":
			return errNotRequired("timeInForce")
		case !req.Price.IsZero():
			return errNotRequired("price")
		case req.Quantity.IsZero() && req.QuoteOrderQty.IsZero():
			return apierr.BadParam(msgNoQuantity)
		case !req.Quantity.IsZero() && !req.QuoteOrderQty.IsZero():
			return errNotRequired("quoteOrderQty")
		}
	default:
		return apierr.Rejected(apierr.CodeInvalidOrderType, "Invalid orderType.")
	}
	if !withinPrecision(req.Quantity, spec.BaseAssetPrecision) ||
		!withinPrecision(req.Price, spec.QuoteAssetPrecision) ||
		!withinPrecision(req.QuoteOrderQty, spec.QuoteAssetPrecision) {
		return apierr.Rejected(apierr.CodeTooMuchPrecision, msgBadPrecision)
	}
	return nil
}

func needLimitParams(req OrderRequest) *apierr.Error {
	switch {
	case req.Quantity.IsZero():
		return errMandatory("quantity")
	case req.Price.IsZero():
		return errMandatory("price")
	case !req.QuoteOrderQty.IsZero():
		return errNotRequired("quoteOrderQty")
	}
	return nil
}

// checkFilters applies PRICE_FILTER, LOT_SIZE or MARKET_LOT_SIZE, and
// NOTIONAL. MARKET orders' notional is valued at the mid price.
func checkFilters(spec SymbolSpec, req OrderRequest, mid decimal.Decimal) *apierr.Error {
	if req.Type == TypeMarket {
		if !req.Quantity.IsZero() && !marketLotOK(spec, req.Quantity) {
			return errFilter(filterMarketLot)
		}
		notional := req.QuoteOrderQty
		if notional.IsZero() {
			notional = req.Quantity.Mul(mid)
		}
		if spec.ApplyMinToMarket && notional.LessThan(spec.MinNotional) ||
			spec.ApplyMaxToMarket && spec.MaxNotional.IsPositive() && notional.GreaterThan(spec.MaxNotional) {
			return errFilter(filterNotional)
		}
		return nil
	}
	if !inRange(req.Price, spec.MinPrice, spec.MaxPrice) || !multipleOf(req.Price.Sub(spec.MinPrice), spec.TickSize) {
		return errFilter(filterPrice)
	}
	if !inRange(req.Quantity, spec.MinQty, spec.MaxQty) || !multipleOf(req.Quantity.Sub(spec.MinQty), spec.StepSize) {
		return errFilter(filterLotSize)
	}
	if !inRange(req.Price.Mul(req.Quantity), spec.MinNotional, spec.MaxNotional) {
		return errFilter(filterNotional)
	}
	return nil
}

// marketLot returns MARKET_LOT_SIZE's step, min and max with LOT_SIZE's
// values standing in for zero fields.
func marketLot(spec SymbolSpec) (step, minQty, maxQty decimal.Decimal) {
	step, minQty, maxQty = spec.MarketStepSize, spec.MarketMinQty, spec.MarketMaxQty
	if step.IsZero() {
		step = spec.StepSize
	}
	if minQty.IsZero() {
		minQty = spec.MinQty
	}
	if maxQty.IsZero() {
		maxQty = spec.MaxQty
	}
	return step, minQty, maxQty
}

func marketLotOK(spec SymbolSpec, qty decimal.Decimal) bool {
	step, minQty, maxQty := marketLot(spec)
	return qty.IsPositive() && inRange(qty, minQty, maxQty) && multipleOf(qty.Sub(minQty), step)
}

// inRange checks min <= x and, when max is set (positive), x <= max.
func inRange(x, minimum, maximum decimal.Decimal) bool {
	return !x.LessThan(minimum) && (!maximum.IsPositive() || !x.GreaterThan(maximum))
}

// withinPrecision reports whether x has at most places significant decimals
// (trailing zeros do not count).
func withinPrecision(x decimal.Decimal, places int) bool {
	return x.Truncate(int32(places)).Equal(x)
}

func validClientOrderID(id string) bool {
	if len(id) > 36 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == ':', c == '/', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
