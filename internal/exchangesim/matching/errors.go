package matching

import (
	"fmt"
	"net/http"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Binance's messages, exactly as its API words them.
const (
	msgInsufficientBalance = "Account has insufficient balance for requested action."
	msgDuplicateOrder      = "Duplicate order sent."
	msgWouldTake           = "Order would immediately match and take."
	msgMarketClosed        = "Market is closed."
	msgUnknownOrder        = "Unknown order sent."
	msgNoSuchOrder         = "Order does not exist."
	msgBadPrecision        = "Precision is over the maximum defined for this asset."
	msgBadAPIKey           = "Invalid API-key, IP, or permissions for action."
	msgNoOrderID           = "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
	msgNoQuantity          = "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
	numberRange            = `^([0-9]{1,20})(\.[0-9]{1,20})?$`
	clientOrderIDRange     = `^[\.A-Z\:/a-z0-9_-]{1,36}$`

	codeInvalidTimeInForce = -1115
)

// Binance's filter names, as they appear in "Filter failure: <name>".
const (
	filterPrice        = "PRICE_FILTER"
	filterLotSize      = "LOT_SIZE"
	filterMarketLot    = "MARKET_LOT_SIZE"
	filterNotional     = "NOTIONAL"
	filterMaxNumOrders = "MAX_NUM_ORDERS"
)

func errFilter(name string) *apierr.Error {
	return apierr.Rejected(apierr.CodeFilterFailure, "Filter failure: "+name)
}

func errNewOrderRejected(msg string) *apierr.Error {
	return apierr.Rejected(apierr.CodeNewOrderRejected, msg)
}

func errMandatory(param string) *apierr.Error {
	return apierr.BadParam(fmt.Sprintf("Mandatory parameter '%s' was not sent, was empty/null, or malformed.", param))
}

func errNotRequired(param string) *apierr.Error {
	return apierr.Rejected(apierr.CodeParamNotRequired, fmt.Sprintf("Parameter '%s' sent when not required.", param))
}

func errIllegalChars(param, legalRange string) *apierr.Error {
	return apierr.Rejected(apierr.CodeIllegalChars,
		fmt.Sprintf("Illegal characters found in parameter '%s'; legal range is '%s'.", param, legalRange))
}

func errUnknownAccount() *apierr.Error {
	return apierr.New(http.StatusUnauthorized, apierr.CodeRejectedAPIKey, msgBadAPIKey)
}
