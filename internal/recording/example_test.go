package recording_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/recording"
)

// One Sink per InfluxDB for the whole operator; one Writer per resource.
func Example() {
	// Stands in for InfluxDB's /api/v2/write.
	influx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer influx.Close()

	sink, err := recording.NewSink(recording.SinkOptions{URL: influx.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	opts, enabled := recording.WriterOptionsFromSpec(nil) // a resource's spec.recording
	w := sink.Writer("default/btc-sma", opts)

	meta := recording.Meta{Namespace: "default", Name: "btc-sma", Kind: "TradingBot", Exchange: "binance"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w.Write(recording.PricePoint(meta, "BTCUSDT", decimal.RequireFromString("65000.12"), now))
	w.Write(recording.HealthPoint(meta, recording.Health{UsedWeight1m: 12, WeightLimit1m: 6000, Breaker: "Closed", Time: now}))

	// At shutdown: deliver what is buffered, within a deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lost, err := sink.Close(ctx)
	st := w.Stats()
	fmt.Println("enabled:", enabled)
	fmt.Println("written:", st.Written, "dropped:", st.Dropped, "lost at close:", lost, err)
	fmt.Println("condition:", recording.Condition(st, now).Reason)
	// Output:
	// enabled: true
	// written: 2 dropped: 0 lost at close: 0 <nil>
	// condition: RecordingHealthy
}

func ExamplePoint_Validate() {
	p := recording.Point{Measurement: "price", Tags: []recording.Tag{{Key: "symbol", Value: "BTC\nUSDT"}},
		Fields: []recording.Field{recording.Float("price", 1)}}
	fmt.Println(p.Validate())
	// Output:
	// tag symbol: tag value "BTC\nUSDT" contains a line break
}
