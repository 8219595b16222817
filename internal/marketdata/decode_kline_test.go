package marketdata

import (
	"strings"
	"testing"
)

var klineName = StreamName{Symbol: "BTCUSDT", Kind: KindKline, Interval: "1s"}

// A closed kline as the simulator writes it.
const simKline = `{"e":"kline","E":1672515782136,"s":"BTCUSDT","k":{"t":1672515781000,"T":1672515781999,"s":"BTCUSDT","i":"1s",` +
	`"f":100,"L":200,"o":"43210.12000000","c":"43211.50000000","h":"43215.00000000","l":"43200.01000000","v":"12.34500000","n":100,` +
	`"x":true,"q":"533000.12345678","V":"6.10000000","Q":"263000.50000000","B":"0"}}`

// sameKlineEvent reports how a and b differ, "" when they do not: their
// decimals compared by value and exponent, as NewFromString makes them.
func sameKlineEvent(a, b Event) string {
	ka, kb := a.Kline, b.Kline
	if a.Symbol != b.Symbol || a.Kind != b.Kind || !a.EventTime.Equal(b.EventTime) || a.Stream != b.Stream ||
		a.Backfilled != b.Backfilled || ka.Symbol != kb.Symbol || ka.Interval != kb.Interval ||
		!ka.OpenTime.Equal(kb.OpenTime) || !ka.CloseTime.Equal(kb.CloseTime) || ka.Trades != kb.Trades ||
		ka.FirstTradeID != kb.FirstTradeID || ka.LastTradeID != kb.LastTradeID || ka.Closed != kb.Closed {
		return "fields"
	}
	for i, pair := range [][2]string{
		{ka.Open.String(), kb.Open.String()}, {ka.High.String(), kb.High.String()},
		{ka.Low.String(), kb.Low.String()}, {ka.Close.String(), kb.Close.String()},
		{ka.Volume.String(), kb.Volume.String()}, {ka.QuoteVolume.String(), kb.QuoteVolume.String()},
		{ka.TakerBuyBaseVolume.String(), kb.TakerBuyBaseVolume.String()},
		{ka.TakerBuyQuoteVolume.String(), kb.TakerBuyQuoteVolume.String()},
	} {
		if pair[0] != pair[1] {
			return "decimal " + string(rune('0'+i))
		}
	}
	if ka.Open.Exponent() != kb.Open.Exponent() || ka.Volume.Exponent() != kb.Volume.Exponent() ||
		ka.TakerBuyQuoteVolume.Exponent() != kb.TakerBuyQuoteVolume.Exponent() {
		return "exponents"
	}
	return ""
}

// checkKlineFast: when the fast decoder takes a payload, encoding/json
// takes it too and makes the same Event of it.
func checkKlineFast(t *testing.T, payload string) (taken bool) {
	t.Helper()
	fast, ok := decodeKlineFast(klineName, []byte(payload))
	if !ok {
		return false
	}
	slow, err := decodeKlineJSON(klineName, []byte(payload))
	if err != nil {
		t.Fatalf("fast decoding took %s, which encoding/json refuses: %v", payload, err)
	}
	if diff := sameKlineEvent(fast, slow); diff != "" {
		t.Fatalf("fast decoding of %s differs from encoding/json in %s:\n%+v\n%+v", payload, diff, *fast.Kline, *slow.Kline)
	}
	return true
}

// The fast decoder takes what Binance and the simulator send and gives
// what encoding/json gives; anything it is unsure of it leaves to
// encoding/json.
func TestDecodeKlineFast(t *testing.T) {
	binanceKline := `{"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC","i":"1m",` +
		`"f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000",` +
		`"V":"500","Q":"0.500","B":"123456"}}`
	for _, p := range []string{
		simKline, binanceKline,
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"-0.5"`, 1),
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":""`, 1),
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"1e3"`, 1),                   // NewFromString's form
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"1234567890.1234567890"`, 1), // more than 18 digits
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"007.50"`, 1),
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":".5"`, 1), // NewFromString's too
		strings.Replace(simKline, `"f":100`, `"f":-1`, 1),
		strings.Replace(simKline, `"f":100`, `"f":0`, 1),
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"1","o":""`, 1), // the last one counts
	} {
		if !checkKlineFast(t, p) {
			t.Errorf("the fast decoder refused %s", p)
		}
	}
	for _, p := range []string{
		``, `{}`, `{"e":"kline"}`,
		` ` + simKline,
		strings.Replace(simKline, `,"n":100`, `, "n":100`, 1),
		strings.Replace(simKline, `"s":"BTCUSDT"`, `"s":"BTC\u0055SDT"`, 1),
		strings.Replace(simKline, `"i":"1s"`, `"I":"1s"`, 1),     // encoding/json would match it to "i"
		strings.Replace(simKline, `"B":"0"`, `"B":"0","z":1`, 1), // unknown key
		strings.Replace(simKline, `"f":100`, `"f":null`, 1),
		strings.Replace(simKline, `"f":100`, `"f":"100"`, 1),
		strings.Replace(simKline, `"f":100`, `"f":100.0`, 1),
		strings.Replace(simKline, `"f":100`, `"f":1e2`, 1),
		strings.Replace(simKline, `"f":100`, `"f":0100`, 1),
		strings.Replace(simKline, `"f":100`, `"f":99999999999999999999`, 1),
		strings.Replace(simKline, `"x":true`, `"x":1`, 1),
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":43210.12`, 1),
		strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"abc"`, 1),
		strings.Replace(simKline, `"t":1672515781000`, `"t":0`, 1),
		simKline + `x`,
		simKline[:len(simKline)-1],
		strings.Replace(simKline, `"B":"0"}}`, `"B":"0"},"k":{"t":1}}`, 1), // encoding/json would merge them
	} {
		if checkKlineFast(t, p) {
			t.Errorf("the fast decoder took %s", p)
		}
	}
	// decodeEvent gives the same either way.
	ev, err := decodeEvent(klineName, []byte(simKline))
	if err != nil || !ev.Kline.Closed || ev.Kline.Open.String() != "43210.12" {
		t.Fatalf("decodeEvent = %+v, %v", ev, err)
	}
	if _, err := decodeEvent(klineName, []byte(strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"abc"`, 1))); err == nil {
		t.Fatal("decodeEvent took a malformed price")
	}
}

// Whatever the payload, the fast decoder either refuses it or agrees with
// encoding/json.
func FuzzDecodeKlineFast(f *testing.F) {
	f.Add(simKline)
	f.Add(strings.Replace(simKline, `"o":"43210.12000000"`, `"o":"-0.5"`, 1))
	f.Add(strings.Replace(simKline, `"x":true`, `"x":false`, 1))
	f.Fuzz(func(t *testing.T, payload string) { checkKlineFast(t, payload) })
}

func BenchmarkDecodeKline(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeEvent(klineName, []byte(simKline)); err != nil {
			b.Fatal(err)
		}
	}
}
