package marketrecord

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
)

// Three resources share a trade stream, two of them writing to one
// database: each database gets the stream once, a burst of trades in one
// millisecond arrives whole, and when the last lease goes the hub's stream
// goes too.
func TestSharedStreamRecordedOncePerTarget(t *testing.T) {
	e := newEnv(t)
	e.influx.CreateDatabase(t, "other")
	r := New(e.hub, e.sink)
	defer r.Close()

	opts := recording.WriterOptions{Database: "tradebot", FlushInterval: 100 * time.Millisecond}
	other := recording.WriterOptions{Database: "other", FlushInterval: 100 * time.Millisecond}
	stream := marketdata.TradeStream("BTCUSDT")
	var leases []*Lease
	for _, o := range []recording.WriterOptions{opts, opts, other} {
		l, err := r.Acquire(Target{Exchange: "binance", StreamURL: e.url, Writer: o}, []string{stream, stream})
		if err != nil {
			t.Fatal(err)
		}
		leases = append(leases, l)
	}
	if n := r.Streams(); n != 2 {
		t.Fatalf("%d streams recorded, want 2 (one per database)", n)
	}
	e.waitSubscribed(t, stream)

	const burst = 2000
	ms := time.Now().UnixMilli()
	e.publishTrades("BTCUSDT", 1_000_000_000, burst, ms)
	for _, o := range []recording.WriterOptions{opts, other} {
		w := e.sink.Writer(WriterKey(o.Database, ""), o)
		eventually(t, "the burst recorded to "+o.Database, func() bool { return w.Stats().Produced >= burst })
	}
	flushSink(t, e)
	for _, o := range []recording.WriterOptions{opts, other} {
		w := e.sink.Writer(WriterKey(o.Database, ""), o)
		if st := w.Stats(); st.Produced != burst || st.Written != burst {
			t.Errorf("%s: shared writer %+v, want %d points produced and written (once, not once per lease)", o.Database, st, burst)
		}
		q := fmt.Sprintf(`SELECT count(price) FROM price WHERE endpoint = '%s' AND exchange = 'binance' AND symbol = 'BTCUSDT' AND source = 'trade'`, e.endpoint())
		if n := e.influx.Int(t, o.Database, q, "count"); n != burst {
			t.Errorf("%s: %d trades stored, want %d", o.Database, n, burst)
		}
		// The query hack/demo.sh checks shared points with.
		q = `SELECT count(price) FROM price WHERE symbol='BTCUSDT' AND endpoint != '' AND resource = ''`
		if n := e.influx.Int(t, o.Database, q, "count"); n != burst {
			t.Errorf("%s: the demo's query counts %d shared trades, want %d", o.Database, n, burst)
		}
		q = `SELECT count(price) FROM price WHERE resource != ''`
		if n := e.influx.Int(t, o.Database, q, "count"); n != 0 {
			t.Errorf("%s: %d points carry a resource tag", o.Database, n)
		}
	}

	leases[0].Release()
	leases[0].Release() // twice is harmless
	if n := r.Streams(); n != 2 {
		t.Fatalf("%d streams recorded with two leases left, want 2", n)
	}
	leases[1].Release()
	leases[2].Release()
	if n := r.Streams(); n != 0 {
		t.Fatalf("%d streams recorded with no lease left", n)
	}
	eventually(t, "the hub unsubscribing", func() bool { return !e.srv.Subscribed(stream) })
}

func TestAcquireRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	r := New(e.hub, e.sink)
	if _, err := r.Acquire(Target{StreamURL: "not a url"}, []string{"btcusdt@trade"}); err == nil {
		t.Error("a stream URL without a host was accepted")
	}
	if _, err := r.Acquire(Target{StreamURL: e.url}, []string{"btcusdt@trade", "no such stream"}); err == nil {
		t.Error("a bad stream name was accepted")
	}
	if n := r.Streams(); n != 0 {
		t.Errorf("%d streams left behind by a failed Acquire", n)
	}
	r.Close()
	if _, err := r.Acquire(Target{StreamURL: e.url}, []string{"btcusdt@trade"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Acquire after Close: %v, want ErrClosed", err)
	}
}

// Tickers of one stream in one millisecond are told apart by arrival rank;
// open klines and book tickers make no shared point.
func TestPoint(t *testing.T) {
	meta := recording.MarketMeta{Exchange: "binance", Endpoint: "stream.example.test:9443"}
	at := time.UnixMilli(1_772_600_767_123)
	var seq recording.MilliSeq
	var times []time.Time
	for range 3 {
		p, ok := Point(meta, marketdata.Event{Kind: marketdata.KindTicker, Symbol: "BTCUSDT", EventTime: at,
			Ticker: &marketdata.Ticker{}}, &seq)
		if !ok {
			t.Fatal("a ticker made no point")
		}
		times = append(times, p.Time)
	}
	if times[0] != at || times[1] != at.Add(1) || times[2] != at.Add(2) {
		t.Errorf("ticker times %v", times)
	}
	if _, ok := Point(meta, marketdata.Event{Kind: marketdata.KindKline, Kline: &marketdata.Kline{}}, &seq); ok {
		t.Error("an open kline made a point")
	}
	if _, ok := Point(meta, marketdata.Event{Kind: marketdata.KindBookTicker, BookTicker: &marketdata.BookTicker{}}, &seq); ok {
		t.Error("a book ticker made a point")
	}
}

// A target's shared writer sends as often and in batches as large as the
// most demanding of its resources asks.
func TestSharedWriterOptions(t *testing.T) {
	d := &dest{leases: map[*Lease]recording.WriterOptions{
		{}: {Database: "db", BatchSize: 100, FlushInterval: 5 * time.Second},
		{}: {Database: "db", BatchSize: 5000, FlushInterval: time.Second},
		{}: {Database: "db", BatchSize: 10, FlushInterval: 3 * time.Second},
	}}
	got := d.options()
	if got.Database != "db" || got.BatchSize != 5000 || got.FlushInterval != time.Second {
		t.Errorf("options %+v, want database db, batch 5000, flush 1s", got)
	}
}
