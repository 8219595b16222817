package exchange

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestParseResponseInfo(t *testing.T) {
	at := time.Unix(1700000000, 0)
	tests := []struct {
		name    string
		status  int
		headers map[string]string
		want    ResponseInfo
	}{
		{"none", 200, nil, ResponseInfo{Status: 200, UsedWeight1m: -1, OrderCount10s: -1, OrderCount1d: -1, At: at}},
		{"weights", 200, map[string]string{"X-MBX-USED-WEIGHT-1M": "42", "X-MBX-ORDER-COUNT-10S": "3", "X-MBX-ORDER-COUNT-1D": "7"},
			ResponseInfo{Status: 200, UsedWeight1m: 42, OrderCount10s: 3, OrderCount1d: 7, At: at}},
		{"429", 429, map[string]string{"Retry-After": "12", "X-MBX-USED-WEIGHT-1M": "6001"},
			ResponseInfo{Status: 429, UsedWeight1m: 6001, OrderCount10s: -1, OrderCount1d: -1, RetryAfter: 12 * time.Second, At: at}},
		{"retry-after ignored on 200", 200, map[string]string{"Retry-After": "12"},
			ResponseInfo{Status: 200, UsedWeight1m: -1, OrderCount10s: -1, OrderCount1d: -1, At: at}},
		{"garbled", 418, map[string]string{"Retry-After": "soon", "X-MBX-USED-WEIGHT-1M": "-5"},
			ResponseInfo{Status: 418, UsedWeight1m: -1, OrderCount10s: -1, OrderCount1d: -1, At: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			for k, v := range tt.headers {
				res.Header.Set(k, v)
			}
			if got := ParseResponseInfo(res, at); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestObservingTransportReportsEveryResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-MBX-USED-WEIGHT-1M", "9")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var seen []ResponseInfo
	tr := &ObservingTransport{Observe: func(i ResponseInfo) { seen = append(seen, i) }}
	ctx, rec := withCallRecord(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(seen) != 1 || seen[0].Status != 503 || seen[0].UsedWeight1m != 9 {
		t.Fatalf("observed %+v", seen)
	}
	if rec.status() != 503 {
		t.Fatalf("call record status = %d, want 503", rec.status())
	}
}
