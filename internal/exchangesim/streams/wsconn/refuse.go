package wsconn

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Refuse answers an upgrade request with e's status and Binance's JSON error
// body and, when retryAfter > 0, a Retry-After header in whole seconds.
func Refuse(w http.ResponseWriter, e *apierr.Error, retryAfter time.Duration) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(retryAfter)))
	}
	body, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
