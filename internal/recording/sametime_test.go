package recording

import (
	"fmt"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/recording/influxtest"
)

// A burst of trades of one symbol in one millisecond, all tagged alike,
// comes back from InfluxDB as that many points: none replaced another.
// Written twice, they are still that many (a resent batch is harmless).
func TestInfluxSameMillisecondTradesAllKept(t *testing.T) {
	srv := influxtest.Start(t, influxtest.Options{})
	s := newInfluxSink(t, srv.URL, SinkOptions{})
	w := s.Writer("market", WriterOptions{})
	const burst = 500
	ms := time.UnixMilli(1_772_600_767_123)
	m := MarketMeta{Exchange: "binance", Endpoint: "stream.example.test:9443"}
	for range 2 {
		for i := range burst {
			w.Write(MarketTickPoint(m, Tick{Symbol: "BTCUSDT", Source: "trade", Price: dec(fmt.Sprint(65000 + i)),
				Quantity: dec("0.001"), TradeID: 7_999_900 + int64(i), HasTradeID: true, Time: ms}))
		}
		flush(t, s)
	}
	var seq MilliSeq
	for i := range burst {
		w.Write(MarketTickPoint(m, Tick{Symbol: "BTCUSDT", Source: "ticker", Price: dec(fmt.Sprint(65000 + i)),
			Seq: seq.Next(ms), Time: ms}))
	}
	flush(t, s)
	if st := w.Stats(); st.Written != 3*burst || st.Dropped != 0 {
		t.Fatalf("stats: %+v", st)
	}
	for source, want := range map[string]int64{"trade": burst, "ticker": burst} {
		q := fmt.Sprintf(`SELECT count(price) FROM price WHERE source = '%s' AND time >= %d AND time < %d`,
			source, ms.UnixNano(), ms.Add(time.Millisecond).UnixNano())
		if got := srv.Int(t, "tradebot", q, "count"); got != want {
			t.Errorf("%s: %d points in the millisecond, want %d", source, got, want)
		}
	}
	q := fmt.Sprintf(`SELECT count(distinct(trade_id)) FROM price WHERE source = 'trade' AND time >= %d`, ms.UnixNano())
	if got := srv.Int(t, "tradebot", q, "count"); got != burst {
		t.Errorf("%d distinct trade ids stored, want %d", got, burst)
	}
}
