package validation

import "testing"

// validWatch is the smallest SymbolWatch the schema accepts, the base every
// invalid case changes.
const validWatch = `
apiVersion: trading.tradebot.dev/v1alpha1
kind: SymbolWatch
metadata:
  name: base
  namespace: default
spec:
  exchange: {}
  symbols: [BTCUSDT]
`

func TestValidWatchIsAccepted(t *testing.T) {
	runValidCases(t, validWatch, []validCase{
		{name: "base", patch: `{}`},
		{name: "no exchange block", patch: `{exchange: null}`},
		{name: "empty stream url means derived from url", patch: `{exchange: {endpoint: Custom, url: "http://127.0.0.1:8080", streamURL: ""}}`},
		{name: "empty retention policy means the default one", patch: `{recording: {retentionPolicy: ""}}`},
		{name: "all streams", patch: `{streams: {ticker: true, bookTicker: true, trade: true, aggTrade: true, klineIntervals: [1s, 1m, 1h, 1d, 1w, 1M]}}`},
		{name: "trades only", patch: `{streams: {ticker: false, trade: true, klineIntervals: []}}`},
		{name: "alert-only signals", patch: `{signals: {type: RSI, rsi: {period: 7}}}`},
		{name: "custom endpoint", patch: `{exchange: {endpoint: Custom, url: "https://127.0.0.1:8443"}}`},
	})
}

func TestInvalidWatchIsRefused(t *testing.T) {
	runInvalidCases(t, validWatch, []invalidCase{
		{"credentials set", `{exchange: {credentialsSecretRef: {name: keys}}}`,
			[]string{"spec.exchange.credentialsSecretRef", "not used by a SymbolWatch"}},
		{"custom without url", `{exchange: {endpoint: Custom}}`,
			[]string{"spec.exchange.url", "url is required when endpoint is Custom"}},
		{"url with a user name and password", `{exchange: {endpoint: Custom, url: "https://user:pass@127.0.0.1:8443"}}`,
			[]string{"spec.exchange.url", "url must not contain a user name or password"}},
		{"stream url with a user name", `{exchange: {endpoint: Custom, url: "https://127.0.0.1:8443", streamURL: "ws://token@127.0.0.1:9443"}}`,
			[]string{"spec.exchange.streamURL", "streamURL must not contain a user name or password"}},
		{"every stream off", `{streams: {ticker: false, klineIntervals: []}}`,
			[]string{"spec.streams", "at least one stream must be enabled"}},
		{"unknown kline interval", `{streams: {klineIntervals: [7m]}}`,
			[]string{"spec.streams.klineIntervals[0]", "Unsupported value"}},
		{"duplicate kline intervals", `{streams: {klineIntervals: [1m, 5m, 1m]}}`,
			[]string{"spec.streams.klineIntervals[2]", "Duplicate value"}},
		{"lowercase symbol", `{symbols: [BTCUSDT, solusdt]}`,
			[]string{"spec.symbols[1]", "a symbol is 2 to 20 capital letters or digits"}},
		{"duplicate symbols", `{symbols: [BTCUSDT, BTCUSDT]}`,
			[]string{"spec.symbols[1]", "Duplicate value"}},
		{"signals block of another type", `{signals: {type: RSI, smaCrossover: {fastPeriod: 9, slowPeriod: 21}}}`,
			[]string{"spec.signals.rsi", "rsi is required when type is RSI",
				"spec.signals.smaCrossover", "smaCrossover may only be set when type is SMACrossover"}},
		{"signals fast above slow", `{signals: {type: EMACrossover, emaCrossover: {fastPeriod: 30, slowPeriod: 10}}}`,
			[]string{"spec.signals.emaCrossover.fastPeriod", "fastPeriod must be less than slowPeriod"}},
		{"signals confidence zero", `{signals: {type: RSI, rsi: {}, minConfidence: "0"}}`,
			[]string{"spec.signals.minConfidence", "must be a positive decimal number"}},
		{"retention policy with a slash", `{recording: {retentionPolicy: "a/b"}}`,
			[]string{"spec.recording.retentionPolicy", "retentionPolicy must be empty"}},
		{"flush interval above 1m", `{recording: {flushInterval: 2m}}`,
			[]string{"spec.recording.flushInterval", "flushInterval must be a duration from 100ms to 1m"}},
		{"unknown market data recording mode", `{recording: {marketData: PerBot}}`,
			[]string{"spec.recording.marketData", "Unsupported value", `"PerBot"`, `"Shared"`, `"PerResource"`, `"None"`}},
	})
}
