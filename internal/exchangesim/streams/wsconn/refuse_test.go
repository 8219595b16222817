package wsconn

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func TestRefuse(t *testing.T) {
	tests := []struct {
		name       string
		err        *apierr.Error
		retry      time.Duration
		wantRetry  string
		wantStatus int
		wantBody   string
	}{
		{"bad request, no Retry-After", apierr.New(http.StatusBadRequest, 2, "Invalid request: invalid stream"), 0,
			"", http.StatusBadRequest, `{"code":2,"msg":"Invalid request: invalid stream"}`},
		{"ban, rounded up", apierr.New(http.StatusTeapot, apierr.CodeTooManyRequests, "banned"), 1500 * time.Millisecond,
			"2", http.StatusTeapot, `{"code":-1003,"msg":"banned"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Refuse(w, tt.err, tt.retry)
			if w.Code != tt.wantStatus || w.Header().Get("Retry-After") != tt.wantRetry || w.Body.String() != tt.wantBody {
				t.Fatalf("got %d Retry-After %q %s, want %d %q %s",
					w.Code, w.Header().Get("Retry-After"), w.Body, tt.wantStatus, tt.wantRetry, tt.wantBody)
			}
		})
	}
}
