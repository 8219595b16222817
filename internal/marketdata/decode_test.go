package marketdata

import (
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func TestDecodeEvents(t *testing.T) {
	kline := `{"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC","i":"1m",` +
		`"f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000",` +
		`"V":"500","Q":"0.500","B":"123456"}}`
	ev, err := decodeEvent(StreamName{Symbol: "BNBBTC", Kind: KindKline, Interval: "1m"}, []byte(kline))
	if err != nil {
		t.Fatal(err)
	}
	k := ev.Kline
	if !ev.EventTime.Equal(ms(1672515782136)) || !k.OpenTime.Equal(ms(1672515780000)) || !k.CloseTime.Equal(ms(1672515839999)) ||
		k.FirstTradeID != 100 || k.LastTradeID != 200 || !k.Open.Equal(dec("0.001")) || !k.Close.Equal(dec("0.002")) ||
		!k.High.Equal(dec("0.0025")) || !k.Low.Equal(dec("0.0015")) || !k.Volume.Equal(dec("1000")) || k.Trades != 100 ||
		k.Closed || !k.QuoteVolume.Equal(dec("1")) || !k.TakerBuyBaseVolume.Equal(dec("500")) ||
		!k.TakerBuyQuoteVolume.Equal(dec("0.5")) || k.Symbol != "BNBBTC" || k.Interval != "1m" {
		t.Fatalf("kline %+v at %s", k, ev.EventTime)
	}

	ticker := `{"e":"24hrTicker","E":123456789,"s":"BNBBTC","p":"0.0015","P":"250.00","w":"0.0018","x":"0.0009",` +
		`"c":"0.0025","Q":"10","b":"0.0024","B":"10","a":"0.0026","A":"100","o":"0.0010","h":"0.0025","l":"0.0010",` +
		`"v":"10000","q":"18","O":0,"C":86400000,"F":0,"L":18150,"n":18151}`
	ev, err = decodeEvent(StreamName{Symbol: "BNBBTC", Kind: KindTicker}, []byte(ticker))
	if err != nil {
		t.Fatal(err)
	}
	tk := ev.Ticker
	if !tk.PriceChange.Equal(dec("0.0015")) || !tk.PriceChangePercent.Equal(dec("250")) || !tk.WeightedAvgPrice.Equal(dec("0.0018")) ||
		!tk.PrevClosePrice.Equal(dec("0.0009")) || !tk.LastPrice.Equal(dec("0.0025")) || !tk.LastQty.Equal(dec("10")) ||
		!tk.BidPrice.Equal(dec("0.0024")) || !tk.AskQty.Equal(dec("100")) || !tk.OpenPrice.Equal(dec("0.001")) ||
		!tk.Volume.Equal(dec("10000")) || !tk.QuoteVolume.Equal(dec("18")) || !tk.CloseTime.Equal(ms(86400000)) ||
		tk.LastTradeID != 18150 || tk.Count != 18151 || !ev.EventTime.Equal(ms(123456789)) {
		t.Fatalf("ticker %+v", tk)
	}

	mini := `{"e":"24hrMiniTicker","E":123456789,"s":"BNBBTC","c":"0.0025","o":"0.0010","h":"0.0025","l":"0.0010","v":"10000","q":"18"}`
	ev, err = decodeEvent(StreamName{Symbol: "BNBBTC", Kind: KindMiniTicker}, []byte(mini))
	if err != nil || !ev.Ticker.LastPrice.Equal(dec("0.0025")) || !ev.Ticker.QuoteVolume.Equal(dec("18")) || !ev.Ticker.BidPrice.IsZero() {
		t.Fatalf("mini ticker %+v, %v", ev.Ticker, err)
	}

	book := `{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`
	ev, err = decodeEvent(StreamName{Symbol: "BNBUSDT", Kind: KindBookTicker}, []byte(book))
	if err != nil || ev.BookTicker.UpdateID != 400900217 || !ev.BookTicker.BidPrice.Equal(dec("25.3519")) ||
		!ev.BookTicker.AskQty.Equal(dec("40.66")) || !ev.EventTime.IsZero() {
		t.Fatalf("book ticker %+v, %v", ev.BookTicker, err)
	}

	trade := `{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}`
	ev, err = decodeEvent(StreamName{Symbol: "BNBBTC", Kind: KindTrade}, []byte(trade))
	if err != nil || ev.Trade.ID != 12345 || !ev.Trade.Price.Equal(dec("0.001")) || !ev.Trade.Qty.Equal(dec("100")) ||
		!ev.Trade.BuyerIsMaker || !ev.Trade.Time.Equal(ms(1672515782136)) {
		t.Fatalf("trade %+v, %v", ev.Trade, err)
	}

	agg := `{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":false,"M":true}`
	ev, err = decodeEvent(StreamName{Symbol: "BNBBTC", Kind: KindAggTrade}, []byte(agg))
	if err != nil || ev.Trade.ID != 12345 || ev.Trade.FirstTradeID != 100 || ev.Trade.LastTradeID != 105 || ev.Trade.BuyerIsMaker {
		t.Fatalf("aggTrade %+v, %v", ev.Trade, err)
	}

	for name, bad := range map[string]string{
		"not json":     `{"e":`,
		"bad decimal":  `{"e":"trade","E":1,"s":"X","t":1,"p":"1e","q":"1","T":1}`,
		"no open time": `{"e":"kline","E":1,"s":"X","k":{"o":"1"}}`,
	} {
		kind := KindTrade
		if name == "no open time" {
			kind = KindKline
		}
		if _, err := decodeEvent(StreamName{Symbol: "X", Kind: kind, Interval: "1m"}, []byte(bad)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestSplitEnvelope(t *testing.T) {
	tests := []struct {
		msg, stream, data string
		reply             bool
	}{
		{`{"stream":"btcusdt@trade","data":{"e":"trade"}}`, "btcusdt@trade", `{"e":"trade"}`, false},
		{`{ "data": {"e":"trade"}, "stream": "btcusdt@trade" }`, "btcusdt@trade", `{"e":"trade"}`, false},
		{`{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}`, shutdownStream, `{"e":"serverShutdown","E":1}`, false},
		{`{"e":"serverShutdown","E":1}`, shutdownStream, `{"e":"serverShutdown","E":1}`, false},
		{`{"result":null,"id":7}`, "", "", true},
		{`{"error":{"code":2,"msg":"Invalid request"},"id":8}`, "", "", true},
	}
	for _, tc := range tests {
		env, err := splitEnvelope([]byte(tc.msg))
		if err != nil || env.stream != tc.stream || string(env.data) != tc.data || (env.reply != nil) != tc.reply {
			t.Errorf("splitEnvelope(%s) = %q %s %v, %v", tc.msg, env.stream, env.data, env.reply, err)
		}
	}
	for _, bad := range []string{``, `[]`, `{"x":1}`, `{"stream":"a"`} {
		if env, err := splitEnvelope([]byte(bad)); err == nil {
			t.Errorf("splitEnvelope(%s) = %+v", bad, env)
		}
	}
}

func TestKlineFromBinance(t *testing.T) {
	k, err := KlineFromBinance("BTCUSDT", "1m", &binance.Kline{
		OpenTime: 1000, CloseTime: 60999, Open: "1.5", High: "2", Low: "1", Close: "1.75", Volume: "10",
		QuoteAssetVolume: "17.5", TradeNum: 3, TakerBuyBaseAssetVolume: "4", TakerBuyQuoteAssetVolume: "7",
	})
	if err != nil || !k.OpenTime.Equal(ms(1000)) || !k.CloseTime.Equal(ms(60999)) || !k.Open.Equal(dec("1.5")) ||
		!k.Close.Equal(dec("1.75")) || !k.QuoteVolume.Equal(dec("17.5")) || k.Trades != 3 || k.Closed ||
		!k.TakerBuyQuoteVolume.Equal(dec("7")) || k.Symbol != "BTCUSDT" || k.Interval != "1m" {
		t.Fatalf("KlineFromBinance = %+v, %v", k, err)
	}
	if _, err := KlineFromBinance("BTCUSDT", "1m", &binance.Kline{Open: "x"}); err == nil {
		t.Fatal("a malformed price was accepted")
	}
}
