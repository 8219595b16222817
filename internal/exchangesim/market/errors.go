package market

import (
	"net/http"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// errInvalidInterval is Binance's -1120 reply to an unknown kline interval.
func errInvalidInterval() *apierr.Error {
	return apierr.New(http.StatusBadRequest, apierr.CodeInvalidInterval, "Invalid interval.")
}
