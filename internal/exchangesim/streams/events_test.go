package streams

import (
	"encoding/json"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

func testStart() time.Time { return time.Date(2026, 3, 15, 12, 30, 0, 0, time.UTC) }

func newTestMarket(t testing.TB) *market.Market {
	t.Helper()
	d := decimal.RequireFromString
	m, err := market.New(market.Config{
		Seed:    7,
		History: time.Hour,
		Symbols: []market.SymbolParams{
			{Symbol: "BTCUSDT", StartPrice: d("65000"), TickSize: d("0.01"), StepSize: d("0.00001"), Volatility: 0.6, MeanTradeQty: d("0.02")},
			{Symbol: "ETHUSDT", StartPrice: d("3000"), TickSize: d("0.01"), StepSize: d("0.0001"), Volatility: 0.7, MeanTradeQty: d("0.5")},
		},
	}, testStart())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fixedBook is a BookSource with one top of book for every symbol.
type fixedBook struct{ bid, bidQty, ask, askQty decimal.Decimal }

func (b fixedBook) BookTicker(string) (bid, bidQty, ask, askQty decimal.Decimal, err error) {
	return b.bid, b.bidQty, b.ask, b.askQty, nil
}

func testBook() fixedBook {
	d := decimal.RequireFromString
	return fixedBook{d("64999.99"), d("1.5"), d("65000.01"), d("0.25")}
}

func (b fixedBook) top() bookTop { return bookTop(b) }

func fixed(d decimal.Decimal) string { return d.StringFixed(8) }

// checkExact fails unless s is d printed with 8 decimals and parses back to d.
func checkExact(t *testing.T, field, s string, d decimal.Decimal) {
	t.Helper()
	got, err := decimal.NewFromString(s)
	if err != nil || !got.Equal(d) || s != fixed(d) {
		t.Errorf("%s = %q, want %s exactly", field, s, fixed(d))
	}
}

func firstUpdate(t *testing.T, m *market.Market, symbol string) market.Update {
	t.Helper()
	for _, u := range m.Advance(testStart().Add(time.Second)) {
		if u.Symbol == symbol && len(u.Trades) > 0 {
			return u
		}
	}
	t.Fatal("no update with trades")
	return market.Update{}
}

func TestTradeEventsDecodeWithGoBinance(t *testing.T) {
	m := newTestMarket(t)
	u := firstUpdate(t, m, "BTCUSDT")
	tr := u.Trades[0]

	var trade binance.WsTradeEvent
	if err := json.Unmarshal(appendTradeEvent(nil, u.Symbol, tr, u.Time), &trade); err != nil {
		t.Fatal(err)
	}
	wantTrade := binance.WsTradeEvent{
		Event: "trade", Time: u.Time.UnixMilli(), Symbol: "BTCUSDT", TradeID: tr.ID,
		Price: fixed(tr.Price), Quantity: fixed(tr.Qty), TradeTime: tr.Time.UnixMilli(),
		IsBuyerMaker: tr.BuyerIsMaker, Placeholder: true,
	}
	if trade != wantTrade {
		t.Fatalf("trade\n got %+v\nwant %+v", trade, wantTrade)
	}
	checkExact(t, "trade price", trade.Price, tr.Price)
	checkExact(t, "trade qty", trade.Quantity, tr.Qty)

	var agg binance.WsAggTradeEvent
	if err := json.Unmarshal(appendAggTradeEvent(nil, u.Symbol, tr, u.Time), &agg); err != nil {
		t.Fatal(err)
	}
	wantAgg := binance.WsAggTradeEvent{
		Event: "aggTrade", Time: u.Time.UnixMilli(), Symbol: "BTCUSDT", AggTradeID: tr.ID,
		Price: fixed(tr.Price), Quantity: fixed(tr.Qty), FirstBreakdownTradeID: tr.ID,
		LastBreakdownTradeID: tr.ID, TradeTime: tr.Time.UnixMilli(), IsBuyerMaker: tr.BuyerIsMaker, Placeholder: true,
	}
	if agg != wantAgg {
		t.Fatalf("aggTrade\n got %+v\nwant %+v", agg, wantAgg)
	}
}

func TestKlineEventDecodesWithGoBinance(t *testing.T) {
	m := newTestMarket(t)
	u := firstUpdate(t, m, "BTCUSDT")
	for _, tt := range []struct {
		interval string
		closed   bool
	}{{"1m", false}, {"1s", true}, {"1M", false}} {
		k, err := m.CurrentKline("BTCUSDT", tt.interval)
		if err != nil {
			t.Fatal(err)
		}
		var ev binance.WsKlineEvent
		if err := json.Unmarshal(appendKlineEvent(nil, "BTCUSDT", tt.interval, k, tt.closed, u.Time), &ev); err != nil {
			t.Fatal(err)
		}
		want := binance.WsKlineEvent{
			Event: "kline", Time: u.Time.UnixMilli(), Symbol: "BTCUSDT",
			Kline: binance.WsKline{
				StartTime: k.OpenTime.UnixMilli(), EndTime: k.CloseTime.UnixMilli(), Symbol: "BTCUSDT",
				Interval: tt.interval, FirstTradeID: k.FirstTradeID, LastTradeID: k.LastTradeID,
				Open: fixed(k.Open), Close: fixed(k.Close), High: fixed(k.High), Low: fixed(k.Low),
				Volume: fixed(k.Volume), TradeNum: k.TradeCount, IsFinal: tt.closed,
				QuoteVolume: fixed(k.QuoteVolume), ActiveBuyVolume: fixed(k.TakerBuyBaseVolume),
				ActiveBuyQuoteVolume: fixed(k.TakerBuyQuoteVolume),
			},
		}
		if ev != want {
			t.Fatalf("kline %s\n got %+v\nwant %+v", tt.interval, ev, want)
		}
		if k.TradeCount == 0 && tt.interval == "1m" {
			t.Fatal("test market produced an empty minute")
		}
		checkExact(t, "kline close", ev.Kline.Close, k.Close)
		checkExact(t, "kline quote volume", ev.Kline.QuoteVolume, k.QuoteVolume)
	}
}

func TestTickerEventsDecodeWithGoBinance(t *testing.T) {
	m := newTestMarket(t)
	u := firstUpdate(t, m, "BTCUSDT")
	tk, err := m.Ticker24h("BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	book := testBook()

	var ev binance.WsMarketStatEvent
	if err := json.Unmarshal(appendTickerEvent(nil, tk, book.top(), u.Time), &ev); err != nil {
		t.Fatal(err)
	}
	want := binance.WsMarketStatEvent{
		Event: "24hrTicker", Time: u.Time.UnixMilli(), Symbol: "BTCUSDT",
		PriceChange: fixed(tk.PriceChange), PriceChangePercent: tk.PriceChangePercent.StringFixed(3),
		WeightedAvgPrice: fixed(tk.WeightedAvgPrice), PrevClosePrice: fixed(tk.PrevClosePrice),
		LastPrice: fixed(tk.LastPrice), CloseQty: fixed(tk.LastQty),
		BidPrice: "64999.99000000", BidQty: "1.50000000", AskPrice: "65000.01000000", AskQty: "0.25000000",
		OpenPrice: fixed(tk.OpenPrice), HighPrice: fixed(tk.HighPrice), LowPrice: fixed(tk.LowPrice),
		BaseVolume: fixed(tk.Volume), QuoteVolume: fixed(tk.QuoteVolume),
		OpenTime: tk.OpenTime.UnixMilli(), CloseTime: tk.CloseTime.UnixMilli(),
		FirstID: tk.FirstID, LastID: tk.LastID, Count: tk.Count,
	}
	if ev != want {
		t.Fatalf("ticker\n got %+v\nwant %+v", ev, want)
	}
	if tk.Count == 0 || tk.Volume.IsZero() {
		t.Fatalf("test market has an empty 24 h window: %+v", tk)
	}

	var mini binance.WsMiniMarketsStatEvent
	if err := json.Unmarshal(appendMiniTickerEvent(nil, tk, u.Time), &mini); err != nil {
		t.Fatal(err)
	}
	wantMini := binance.WsMiniMarketsStatEvent{
		Event: "24hrMiniTicker", Time: u.Time.UnixMilli(), Symbol: "BTCUSDT",
		LastPrice: fixed(tk.LastPrice), OpenPrice: fixed(tk.OpenPrice), HighPrice: fixed(tk.HighPrice),
		LowPrice: fixed(tk.LowPrice), BaseVolume: fixed(tk.Volume), QuoteVolume: fixed(tk.QuoteVolume),
	}
	if mini != wantMini {
		t.Fatalf("miniTicker\n got %+v\nwant %+v", mini, wantMini)
	}

	var bt binance.WsBookTickerEvent
	if err := json.Unmarshal(appendBookTickerEvent(nil, "BTCUSDT", 42, book.top()), &bt); err != nil {
		t.Fatal(err)
	}
	wantBT := binance.WsBookTickerEvent{UpdateID: 42, Symbol: "BTCUSDT",
		BestBidPrice: "64999.99000000", BestBidQty: "1.50000000", BestAskPrice: "65000.01000000", BestAskQty: "0.25000000"}
	if bt != wantBT {
		t.Fatalf("bookTicker\n got %+v\nwant %+v", bt, wantBT)
	}
}

func TestAppendJSONStringEscapes(t *testing.T) {
	for _, s := range []string{"BTCUSDT", `a"b\c`, "x\x00\ny"} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil || got != s {
			t.Errorf("appendJSONString(%q) decodes to %q, %v", s, got, err)
		}
	}
}
