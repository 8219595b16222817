package apierr

// Binance error codes used across the simulator.
const (
	CodeUnknown           = -1000
	CodeTooManyRequests   = -1003
	CodeTooManyOrders     = -1015
	CodeInvalidTimestamp  = -1021
	CodeInvalidSignature  = -1022
	CodeNotFound          = -1099
	CodeIllegalChars      = -1100
	CodeTooManyParameters = -1101
	CodeMandatoryParam    = -1102
	CodeUnreadParameters  = -1104
	CodeParamNotRequired  = -1106
	CodeTooMuchPrecision  = -1111
	CodeInvalidOrderType  = -1116
	CodeInvalidSide       = -1117
	CodeInvalidInterval   = -1120
	CodeInvalidSymbol     = -1121
	CodeFilterFailure     = -1013
	CodeNewOrderRejected  = -2010
	CodeCancelRejected    = -2011
	CodeNoSuchOrder       = -2013
	CodeBadAPIKeyFormat   = -2014
	CodeRejectedAPIKey    = -2015
)
