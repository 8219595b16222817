package recording

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var (
	testMeta   = Meta{Namespace: "prod", Name: "bot-1", Kind: "TradingBot", Exchange: "binance"}
	testMarket = MarketMeta{Exchange: "binance", Endpoint: "stream.example.test:9443"}
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// examplePoints returns one point of each helper with every optional part
// set, keyed by a description.
func examplePoints() map[string]Point {
	t := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	return map[string]Point{
		"PricePoint": PricePoint(testMeta, "BTCUSDT", dec("65000.12"), t),
		"TickPoint": TickPoint(testMeta, Tick{Symbol: "BTCUSDT", Source: "bookTicker", Price: dec("65000.5"),
			Bid: dec("65000"), Ask: dec("65001"), Quantity: dec("0.5"), Time: t}),
		"KlinePoint": KlinePoint(testMeta, Kline{Symbol: "ETHUSDT", Interval: "1m", OpenTime: t, Open: dec("1"),
			High: dec("2"), Low: dec("0.5"), Close: dec("1.5"), Volume: dec("10"), QuoteVolume: dec("15"), Trades: 7}),
		"MarketTickPoint": MarketTickPoint(testMarket, Tick{Symbol: "BTCUSDT", Source: "trade", Price: dec("65000.5"),
			Quantity: dec("0.5"), TradeID: 3_000_042, HasTradeID: true, Time: t}),
		"MarketKlinePoint": MarketKlinePoint(testMarket, Kline{Symbol: "ETHUSDT", Interval: "1m", OpenTime: t, Open: dec("1"),
			High: dec("2"), Low: dec("0.5"), Close: dec("1.5"), Volume: dec("10"), QuoteVolume: dec("15"), Trades: 7}),
		"SignalPoint": SignalPoint(testMeta, Signal{Symbol: "BTCUSDT", Strategy: "sma-cross", Side: "SELL",
			Confidence: 0.75, Price: dec("64000"), Reason: "fast SMA\ncrossed below", Time: t}),
		"OrderPoint": OrderPoint(testMeta, Order{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", Status: "REJECTED",
			ClientOrderID: "tb-1", OrderID: 42, Price: dec("64000.01"), Quantity: dec("0.001"),
			ExecutedQty: dec("0"), Reason: "insufficient balance", Time: t}),
		"FillPoint": FillPoint(testMeta, Fill{Symbol: "BTCUSDT", Side: "BUY", TradeID: 9, OrderID: 42,
			ClientOrderID: "tb-1", Price: dec("64000.01"), Quantity: dec("0.001"), QuoteQuantity: dec("64.00001"),
			Commission: dec("0.000001"), CommissionAsset: "BTC", Maker: true, Time: t}),
		"HealthPoint": HealthPoint(testMeta, Health{UsedWeight1m: 120, WeightLimit1m: 6000, Orders10s: 2,
			ThrottledRequests: 5, Breaker: "HalfOpen", BreakerFailures: 3, Reachable: true, StreamLag: 1500 * time.Millisecond,
			ClockOffset: -20 * time.Millisecond, Streams: 4, Reconnects: 1, Time: t}),
	}
}

// schemaFromDocs reads the field and tag tables of docs/recording.md:
// "measurement -> key -> type", with type "tag" for tags.
func schemaFromDocs(t *testing.T) map[string]map[string]string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/recording.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile("^### `([a-z_]+)`")
	row := regexp.MustCompile("^\\| (`[a-z_0-9]+`(?:, `[a-z_0-9]+`)*) \\| (tag|float|integer|string|boolean) \\|")
	schema := map[string]map[string]string{}
	current := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			current = m[1]
			schema[current] = map[string]string{}
		} else if m := row.FindStringSubmatch(line); m != nil && current != "" {
			for _, key := range strings.Split(m[1], ", ") {
				schema[current][strings.Trim(key, "`")] = m[2]
			}
		}
	}
	return schema
}

// Every point the helpers build is valid and matches the documented
// schema, and no field name has two types anywhere (which InfluxDB would
// refuse as a field type conflict across measurements queried together).
func TestSchemaMatchesTheDocs(t *testing.T) {
	documented := schemaFromDocs(t)
	if len(documented) != 6 {
		t.Fatalf("docs/recording.md documents %d measurements, want 6", len(documented))
	}
	typeOf := map[string]string{} // field -> type, across measurements
	for name, p := range examplePoints() {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		doc := documented[p.Measurement]
		if doc == nil {
			t.Errorf("%s: measurement %q is not documented", name, p.Measurement)
			continue
		}
		for _, tag := range p.Tags {
			if doc[tag.Key] != "tag" {
				t.Errorf("%s: tag %q documented as %q", name, tag.Key, doc[tag.Key])
			}
		}
		for _, f := range p.Fields {
			if doc[f.Key] != f.TypeName() {
				t.Errorf("%s: field %q is %s, documented as %q", name, f.Key, f.TypeName(), doc[f.Key])
			}
			if prev, ok := typeOf[f.Key]; ok && prev != f.TypeName() {
				t.Errorf("field %q is %s in %s but %s elsewhere", f.Key, f.TypeName(), p.Measurement, prev)
			}
			typeOf[f.Key] = f.TypeName()
		}
	}
	// Nothing documented is left unproduced.
	produced := map[string]map[string]bool{}
	for _, p := range examplePoints() {
		if produced[p.Measurement] == nil {
			produced[p.Measurement] = map[string]bool{}
		}
		for _, tag := range p.Tags {
			produced[p.Measurement][tag.Key] = true
		}
		for _, f := range p.Fields {
			produced[p.Measurement][f.Key] = true
		}
	}
	for m, keys := range documented {
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if !produced[m][k] {
				t.Errorf("docs list %s.%s, which no helper writes", m, k)
			}
		}
	}
}

func TestSchemaHelpers(t *testing.T) {
	points := examplePoints()
	line := func(name string) string {
		p := points[name]
		b, err := appendLine(nil, &p, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	const tags = "exchange=binance,kind=TradingBot,ns=prod,resource=bot-1"
	const ts = " 1772600767000000008"
	const msTS = " 1772600767000000000"
	tests := map[string]string{
		// A tick keeps its millisecond; the nanoseconds order it within.
		"PricePoint": "price," + tags + ",symbol=BTCUSDT price=65000.12" + msTS,
		"TickPoint":  "price," + tags + ",source=bookTicker,symbol=BTCUSDT price=65000.5,bid=65000,ask=65001,qty=0.5" + msTS,
		"KlinePoint": "kline," + tags + ",interval=1m,symbol=ETHUSDT open=1,high=2,low=0.5,close=1.5,volume=10,quote_volume=15,trades=7i" + ts,
		"MarketTickPoint": "price,endpoint=stream.example.test:9443,exchange=binance,source=trade,symbol=BTCUSDT " +
			"price=65000.5,qty=0.5,trade_id=3000042i 1772600767000000042",
		"MarketKlinePoint": "kline,endpoint=stream.example.test:9443,exchange=binance,interval=1m,symbol=ETHUSDT " +
			"open=1,high=2,low=0.5,close=1.5,volume=10,quote_volume=15,trades=7i" + ts,
		"SignalPoint": "signal," + tags + ",side=SELL,strategy=sma-cross,symbol=BTCUSDT " +
			`confidence=0.75,direction=-1i,price=64000,reason="fast SMA crossed below"` + ts,
		"OrderPoint": "order," + tags + ",side=BUY,status=REJECTED,symbol=BTCUSDT,type=LIMIT " +
			`client_order_id="tb-1",order_id=42i,price=64000.01,price_exact="64000.01",qty=0.001,qty_exact="0.001",` +
			`executed_qty=0,executed_qty_exact="0",reason="insufficient balance"` + ts,
		"FillPoint": "fill," + tags + ",side=BUY,symbol=BTCUSDT " +
			`trade_id=9i,order_id=42i,client_order_id="tb-1",price=64000.01,price_exact="64000.01",qty=0.001,qty_exact="0.001",` +
			`quote_qty=64.00001,quote_qty_exact="64.00001",commission=1e-06,commission_exact="0.000001",commission_asset="BTC",maker=t` + ts,
		"HealthPoint": "health," + tags + " used_weight=120i,weight_limit=6000i,orders_10s=2i,throttled=5i," +
			`breaker="HalfOpen",breaker_code=1i,breaker_failures=3i,reachable=t,banned=f,lag_ms=1500i,clock_offset_ms=-20i,streams=4i,reconnects=1i` + ts,
	}
	for name, want := range tests {
		if got := line(name); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestBreakerCode(t *testing.T) {
	for state, want := range map[string]int64{"Closed": 0, "HalfOpen": 1, "Open": 2, "": -1, "closed": -1} {
		if got := BreakerCode(state); got != want {
			t.Errorf("BreakerCode(%q) = %d, want %d", state, got, want)
		}
	}
}

// Optional tick fields and empty tags are left out rather than written as
// zeros or empty strings.
func TestTickPointLeavesOutUnknowns(t *testing.T) {
	p := TickPoint(Meta{Namespace: "ns", Name: "w", Kind: "SymbolWatch"}, Tick{Symbol: "X", Price: dec("1"), Time: time.Unix(0, 1e6)})
	b, err := appendLine(nil, &p, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "price,kind=SymbolWatch,ns=ns,resource=w,symbol=X price=1 1000000\n"; string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
}

// Distinct trades in one millisecond get distinct timestamps from their
// ids, the same trade always the same one; ticks without ids are told
// apart by their rank, which restarts each millisecond.
func TestTickTime(t *testing.T) {
	ms := time.UnixMilli(1_772_600_767_123)
	seen := map[time.Time]int64{}
	for id := int64(5_999_990); id < 6_000_010; id++ {
		at := TickTime(Tick{TradeID: id, HasTradeID: true, Time: ms.Add(456 * time.Microsecond)})
		if at.Truncate(time.Millisecond) != ms {
			t.Fatalf("trade %d at %v left its millisecond %v", id, at, ms)
		}
		if other, dup := seen[at]; dup {
			t.Fatalf("trades %d and %d share %v", other, id, at)
		}
		seen[at] = id
		if again := TickTime(Tick{TradeID: id, HasTradeID: true, Time: ms}); again != at {
			t.Fatalf("trade %d: %v then %v", id, at, again)
		}
	}
	if got := TickTime(Tick{TradeID: -3, HasTradeID: true, Time: ms}); got != ms.Add(999_997) {
		t.Errorf("a negative id gives %v", got)
	}

	var seq MilliSeq
	var ranks []int
	for _, at := range []time.Time{ms, ms.Add(time.Microsecond), ms.Add(999 * time.Microsecond), ms.Add(time.Millisecond), ms.Add(time.Millisecond)} {
		ranks = append(ranks, seq.Next(at))
	}
	if want := []int{0, 1, 2, 0, 1}; !slices.Equal(ranks, want) {
		t.Errorf("ranks %v, want %v", ranks, want)
	}
	if got := TickTime(Tick{Seq: 2, Time: ms.Add(999 * time.Microsecond)}); got != ms.Add(2) {
		t.Errorf("rank 2 gives %v", got)
	}
}
