package exchangesim

import (
	"errors"
	"net/http"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// maxListLimit is the largest limit list endpoints honour.
const maxListLimit = 1000

// clampLimit turns a limit parameter into what the sub-packages take: 0 for
// "not sent" (their default), at most maxListLimit.
func clampLimit(n int64) int {
	if n > maxListLimit {
		return maxListLimit
	}
	return int(n)
}

// asAPIError returns the Binance error inside err, or -1000 for an error the
// sub-packages did not expect to return.
func asAPIError(err error) *apierr.Error {
	if err == nil {
		return nil
	}
	var apiErr *apierr.Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return apierr.New(http.StatusInternalServerError, apierr.CodeUnknown,
		"An unknown error occurred while processing the request.")
}
