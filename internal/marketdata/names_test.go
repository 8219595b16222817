package marketdata

import (
	"testing"
	"time"
)

func TestParseStream(t *testing.T) {
	tests := []struct {
		in       string
		want     StreamName
		wantName string
	}{
		{"btcusdt@kline_1m", StreamName{"BTCUSDT", KindKline, "1m"}, "btcusdt@kline_1m"},
		{"BTCUSDT@kline_1M", StreamName{"BTCUSDT", KindKline, "1M"}, "btcusdt@kline_1M"},
		{"ethusdt@ticker", StreamName{Symbol: "ETHUSDT", Kind: KindTicker}, "ethusdt@ticker"},
		{"EthUsdt@miniTicker", StreamName{Symbol: "ETHUSDT", Kind: KindMiniTicker}, "ethusdt@miniTicker"},
		{"bnbusdt@bookTicker", StreamName{Symbol: "BNBUSDT", Kind: KindBookTicker}, "bnbusdt@bookTicker"},
		{"1000satsusdt@trade", StreamName{Symbol: "1000SATSUSDT", Kind: KindTrade}, "1000satsusdt@trade"},
		{"dogeusdt@aggTrade", StreamName{Symbol: "DOGEUSDT", Kind: KindAggTrade}, "dogeusdt@aggTrade"},
	}
	for _, tc := range tests {
		got, err := ParseStream(tc.in)
		if err != nil || got != tc.want || got.String() != tc.wantName {
			t.Errorf("ParseStream(%q) = %+v (%q), %v; want %+v (%q)", tc.in, got, got.String(), err, tc.want, tc.wantName)
		}
	}
	for _, bad := range []string{"", "btcusdt", "@trade", "b@trade", "btcusdtbtcusdtbtcusdt1@trade", "btc_usdt@trade",
		"btcusdt@", "btcusdt@depth", "btcusdt@kline_", "btcusdt@kline_2m", "btcusdt@Trade", "btcusdt@aggtrade"} {
		if n, err := ParseStream(bad); err == nil {
			t.Errorf("ParseStream(%q) = %+v, want an error", bad, n)
		}
	}
	if KlineStream("BTCUSDT", "15m") != "btcusdt@kline_15m" || TickerStream("ETHUSDT") != "ethusdt@ticker" ||
		MiniTickerStream("A1") != "a1@miniTicker" || BookTickerStream("X2") != "x2@bookTicker" ||
		TradeStream("Y3") != "y3@trade" || AggTradeStream("Z4") != "z4@aggTrade" {
		t.Fatal("a stream name helper spells its stream wrongly")
	}
}

func TestIntervalSteps(t *testing.T) {
	jan31 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		interval   string
		open, next time.Time
	}{
		{"1s", testStart, testStart.Add(time.Second)},
		{"1m", testStart, testStart.Add(time.Minute)},
		{"4h", testStart, testStart.Add(4 * time.Hour)},
		{"3d", testStart, testStart.Add(72 * time.Hour)},
		{"1w", testStart, testStart.Add(7 * 24 * time.Hour)},
		{"1M", jan31, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"1M", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		if got := nextOpen(tc.interval, tc.open); !got.Equal(tc.next) {
			t.Errorf("nextOpen(%s, %s) = %s, want %s", tc.interval, tc.open, got, tc.next)
		}
		if got := prevOpen(tc.interval, tc.next); !got.Equal(tc.open) {
			t.Errorf("prevOpen(%s, %s) = %s, want %s", tc.interval, tc.next, got, tc.open)
		}
	}
	for _, iv := range []string{"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"} {
		if !ValidInterval(iv) {
			t.Errorf("%s is one of Binance's intervals", iv)
		}
	}
	if ValidInterval("2d") || ValidInterval("1y") {
		t.Error("unknown intervals accepted")
	}
}

func TestNormalizeURL(t *testing.T) {
	good := map[string]string{
		"ws://127.0.0.1:18090":                    "ws://127.0.0.1:18090",
		"ws://127.0.0.1:18090/":                   "ws://127.0.0.1:18090",
		"wss://stream.binance.com:9443/stream":    "wss://stream.binance.com:9443",
		"wss://stream.testnet.binance.vision/ws/": "wss://stream.testnet.binance.vision",
		" wss://stream.binance.com:9443 ":         "wss://stream.binance.com:9443", //nolint:gocritic // spaces are the point: they are trimmed
	}
	for in, want := range good {
		if got, err := normalizeURL(in); err != nil || got != want {
			t.Errorf("normalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:1", "http://h:1", "ws://", "ws://h/x", "ws://h?streams=a"} {
		if got, err := normalizeURL(bad); err == nil {
			t.Errorf("normalizeURL(%q) = %q, want an error", bad, got)
		}
	}
}
