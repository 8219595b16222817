package validation

import (
	"fmt"
	"strings"
	"testing"
)

// validBot is the smallest TradingBot the schema accepts, the base every
// invalid case changes.
const validBot = `
apiVersion: trading.tradebot.dev/v1alpha1
kind: TradingBot
metadata:
  name: base
  namespace: default
spec:
  exchange: {}
  symbols: [BTCUSDT, ETHUSDT]
  strategy:
    type: SMACrossover
    smaCrossover: {fastPeriod: 9, slowPeriod: 21}
`

func TestValidBotIsAccepted(t *testing.T) {
	// The base of the table below must itself pass, or every case would
	// pass for the wrong reason.
	runValidCases(t, validBot, []validCase{
		{name: "base", patch: `{}`},
		{name: "no exchange block", patch: `{exchange: null}`},
		{name: "live on a custom endpoint over tls", patch: `{mode: Live, exchange: {endpoint: Custom, url: "https://127.0.0.1:8443", streamURL: "wss://127.0.0.1:9443", credentialsSecretRef: {name: keys}}}`},
		{name: "live on a custom endpoint, stream url derived", patch: `{mode: Live, exchange: {endpoint: Custom, url: "HTTPS://api.example.test", credentialsSecretRef: {name: keys}}}`},
		{name: "an at sign in the path is no user name", patch: `{exchange: {endpoint: Custom, url: "https://api.example.test/v3@edge", streamURL: "wss://stream.example.test/ws"}}`},
		{name: "a base path with its own stream url", patch: `{exchange: {endpoint: Custom, url: "https://proxy.example.test/binance", streamURL: "wss://proxy.example.test:9443/stream/"}}`},
		{name: "empty stream url means derived from url", patch: `{exchange: {endpoint: Custom, url: "https://api.example.test", streamURL: ""}}`},
		{name: "empty urls mean none", patch: `{exchange: {endpoint: Testnet, url: "", streamURL: ""}}`},
		{name: "empty retention policy means the default one", patch: `{recording: {retentionPolicy: ""}}`},
		{name: "named retention policy", patch: `{recording: {retentionPolicy: autogen_30d}}`},
		{name: "live with credentials", patch: `{mode: Live, exchange: {endpoint: Mainnet, credentialsSecretRef: {name: binance-keys}}}`},
		{name: "custom endpoint", patch: `{exchange: {endpoint: Custom, url: "http://127.0.0.1:8080", streamURL: "ws://127.0.0.1:8081"}}`},
		{name: "rsi with defaults", patch: `{strategy: {type: RSI, smaCrossover: null, rsi: {}}}`},
		{name: "bollinger", patch: `{strategy: {type: BollingerBands, smaCrossover: null, bollingerBands: {period: 30, stdDevMultiplier: "2.5"}}}`},
		{name: "zero jitter and cooldown", patch: `{retry: {jitter: "0"}, risk: {cooldown: 0s}}`},
		{name: "fractional decimals compare exactly enough", patch: `{risk: {maxOrderQuote: "100.25", maxPositionQuote: "100.5"}}`},
		{name: "fifty symbols", patch: fmt.Sprintf(`{symbols: [%s]}`, symbolList(50))},
		{name: "compound duration", patch: `{circuitBreaker: {openDuration: 1m30s}}`},
		{name: "signal retention at its bounds", patch: `{strategy: {signalRetention: 1m}}`},
		{name: "signal retention of 30 days", patch: `{strategy: {signalRetention: 720h}}`},
		{name: "limit orders", patch: `{orders: {type: LIMIT, limitOffsetBps: 0, cancelAfter: 1s}}`},
		{name: "limit maker orders", patch: `{orders: {type: LIMIT_MAKER, limitOffsetBps: 1000, cancelAfter: 24h}}`},
	})
}

func TestInvalidBotIsRefused(t *testing.T) {
	runInvalidCases(t, validBot, []invalidCase{
		{"live without credentials", `{mode: Live}`,
			[]string{"spec.exchange.credentialsSecretRef", "required when mode is Live"}},
		{"unknown mode", `{mode: Real}`,
			[]string{"spec.mode", "Unsupported value"}},
		{"custom without url", `{exchange: {endpoint: Custom}}`,
			[]string{"spec.exchange.url", "url is required when endpoint is Custom"}},
		{"custom with a url that is not one", `{exchange: {endpoint: Custom, url: "not a url"}}`,
			[]string{"spec.exchange.url", "must be an absolute http or https URL"}},
		{"custom with an ftp url", `{exchange: {endpoint: Custom, url: "ftp://127.0.0.1/"}}`,
			[]string{"spec.exchange.url", "must be an absolute http or https URL"}},
		{"custom with a relative url", `{exchange: {endpoint: Custom, url: "/api"}}`,
			[]string{"spec.exchange.url", "must be an absolute http or https URL"}},
		{"custom with an empty url", `{exchange: {endpoint: Custom, url: "", streamURL: "wss://api.example.test"}}`,
			[]string{"spec.exchange.url", "url is required when endpoint is Custom"}},
		{"url with a user name and password", `{exchange: {endpoint: Custom, url: "https://user:pass@127.0.0.1:8443"}}`,
			[]string{"spec.exchange.url", "url must not contain a user name or password"}},
		{"url with a token as user name", `{exchange: {endpoint: Custom, url: "https://s3cr3t@api.example.test/"}}`,
			[]string{"spec.exchange.url", "url must not contain a user name or password"}},
		{"url with credentials and a capital scheme", `{exchange: {endpoint: Custom, url: "HTTP://user:pass@api.example.test"}}`,
			[]string{"spec.exchange.url", "url must not contain a user name or password"}},
		{"url with an empty user name", `{exchange: {endpoint: Custom, url: "https://@api.example.test"}}`,
			[]string{"spec.exchange.url", "url must not contain a user name or password"}},
		{"stream url with a user name and password", `{exchange: {endpoint: Custom, url: "https://127.0.0.1", streamURL: "wss://user:pass@127.0.0.1:9443/ws"}}`,
			[]string{"spec.exchange.streamURL", "streamURL must not contain a user name or password"}},
		{"live over plain http", `{mode: Live, exchange: {endpoint: Custom, url: "http://api.example.test", credentialsSecretRef: {name: keys}}}`,
			[]string{"spec.exchange.url", "url must use https, not plain http, when mode is Live"}},
		{"live over plain http with a capital scheme", `{mode: Live, exchange: {endpoint: Custom, url: "HTTP://api.example.test", streamURL: "wss://api.example.test", credentialsSecretRef: {name: keys}}}`,
			[]string{"spec.exchange.url", "url must use https, not plain http, when mode is Live"}},
		{"live over plain ws", `{mode: Live, exchange: {endpoint: Custom, url: "https://api.example.test", streamURL: "ws://api.example.test:9443", credentialsSecretRef: {name: keys}}}`,
			[]string{"spec.exchange.streamURL", "streamURL must use wss, not plain ws, when mode is Live"}},
		{"url with a query string", `{exchange: {endpoint: Custom, url: "https://api.example.test/?apiKey=abc"}}`,
			[]string{"spec.exchange.url", "url is a base URL and may not have a query string or fragment"}},
		{"url with a fragment", `{exchange: {endpoint: Custom, url: "https://api.example.test/#x"}}`,
			[]string{"spec.exchange.url", "url is a base URL and may not have a query string or fragment"}},
		{"stream url with a query string", `{exchange: {endpoint: Custom, url: "https://api.example.test", streamURL: "wss://api.example.test/ws?token=abc"}}`,
			[]string{"spec.exchange.streamURL", "streamURL is a base URL and may not have a query string or fragment"}},
		{"stream url with a path", `{exchange: {endpoint: Custom, url: "https://api.example.test", streamURL: "wss://api.example.test/market/ws"}}`,
			[]string{"spec.exchange.streamURL", "streamURL is the stream server's base URL"}},
		{"url with a path and no stream url", `{exchange: {endpoint: Custom, url: "https://proxy.example.test/binance"}}`,
			[]string{"spec.exchange.streamURL", "streamURL is required when url has a path"}},
		{"url without custom endpoint", `{exchange: {url: "https://127.0.0.1"}}`,
			[]string{"spec.exchange.url", "may only be set when endpoint is Custom"}},
		{"stream url with an http scheme", `{exchange: {endpoint: Custom, url: "https://127.0.0.1", streamURL: "https://127.0.0.1"}}`,
			[]string{"spec.exchange.streamURL", "must be an absolute ws or wss URL"}},
		{"bad secret name", `{exchange: {credentialsSecretRef: {name: Bad_Name}}}`,
			[]string{"spec.exchange.credentialsSecretRef.name", "name must be a Secret name", `got "Bad_Name"`}},
		{"api key key with a slash", `{exchange: {credentialsSecretRef: {name: keys, apiKeyKey: "a/b"}}}`,
			[]string{"spec.exchange.credentialsSecretRef.apiKeyKey", "apiKeyKey must be a key of the Secret", `got "a/b"`}},
		{"secret key key with a space", `{exchange: {credentialsSecretRef: {name: keys, secretKeyKey: "secret key"}}}`,
			[]string{"spec.exchange.credentialsSecretRef.secretKeyKey", "secretKeyKey must be a key of the Secret", `got "secret key"`}},
		{"fast equal to slow", `{strategy: {smaCrossover: {fastPeriod: 21, slowPeriod: 21}}}`,
			[]string{"spec.strategy.smaCrossover.fastPeriod", "fastPeriod must be less than slowPeriod"}},
		{"fast above slow", `{strategy: {type: EMACrossover, smaCrossover: null, emaCrossover: {fastPeriod: 50, slowPeriod: 20}}}`,
			[]string{"spec.strategy.emaCrossover.fastPeriod", "fastPeriod must be less than slowPeriod"}},
		{"period below 2", `{strategy: {smaCrossover: {fastPeriod: 1}}}`,
			[]string{"spec.strategy.smaCrossover.fastPeriod", "greater than or equal to 2"}},
		{"params block of another type", `{strategy: {type: RSI}}`,
			[]string{"spec.strategy.rsi", "rsi is required when type is RSI; rsi: {} takes the defaults",
				"spec.strategy.smaCrossover", "smaCrossover may only be set when type is SMACrossover"}},
		{"two params blocks", `{strategy: {emaCrossover: {fastPeriod: 5, slowPeriod: 10}}}`,
			[]string{"spec.strategy.emaCrossover", "emaCrossover may only be set when type is EMACrossover"}},
		{"no params block", `{strategy: {type: BollingerBands, smaCrossover: null}}`,
			[]string{"spec.strategy.bollingerBands", "bollingerBands is required when type is BollingerBands"}},
		{"unknown strategy", `{strategy: {type: MACD}}`,
			[]string{"spec.strategy.type", "Unsupported value"}},
		{"bad interval", `{strategy: {interval: 2m}}`,
			[]string{"spec.strategy.interval", "Unsupported value"}},
		{"decimal that is not a number", `{risk: {maxOrderQuote: "abc"}}`,
			[]string{"spec.risk.maxOrderQuote", "must be a positive decimal number"}},
		{"zero decimal", `{risk: {maxPositionQuote: "0.000"}}`,
			[]string{"spec.risk.maxPositionQuote", "must be a positive decimal number"}},
		{"negative decimal", `{risk: {maxDailyLossQuote: "-5"}}`,
			[]string{"spec.risk.maxDailyLossQuote", "must be a positive decimal number"}},
		{"exponent decimal", `{risk: {maxOrderQuote: "1e5"}}`,
			[]string{"spec.risk.maxOrderQuote", "must be a positive decimal number", "no sign or exponent", `got "1e5"`}},
		{"decimal with too many fraction digits", `{risk: {maxOrderQuote: "0.1234567890123456789"}}`,
			[]string{"spec.risk.maxOrderQuote", "must be a positive decimal number"}},
		{"decimal as a number, not a string", `{risk: {maxOrderQuote: 100}}`,
			[]string{"spec.risk.maxOrderQuote", "must be of type string"}},
		{"order above position limit", `{risk: {maxOrderQuote: "2000", maxPositionQuote: "1000"}}`,
			[]string{"spec.risk.maxOrderQuote", "maxOrderQuote (2000) must not exceed maxPositionQuote (1000)"}},
		{"order above default position limit", `{risk: {maxOrderQuote: "1000.5"}}`,
			[]string{"spec.risk.maxOrderQuote", "maxOrderQuote (1000.5) must not exceed maxPositionQuote (1000)"}},
		{"min confidence above 1", `{strategy: {minConfidence: "1.5"}}`,
			[]string{"spec.strategy.minConfidence", "minConfidence must be at most 1"}},
		{"rsi oversold above overbought", `{strategy: {type: RSI, smaCrossover: null, rsi: {oversold: "70", overbought: "30"}}}`,
			[]string{"spec.strategy.rsi.oversold", "oversold (70) must be less than overbought (30)"}},
		{"rsi overbought above 100", `{strategy: {type: RSI, smaCrossover: null, rsi: {overbought: "150"}}}`,
			[]string{"spec.strategy.rsi.overbought", "overbought must be at most 100"}},
		{"bollinger multiplier above 10", `{strategy: {type: BollingerBands, smaCrossover: null, bollingerBands: {stdDevMultiplier: "11"}}}`,
			[]string{"spec.strategy.bollingerBands.stdDevMultiplier", "must be at most 10"}},
		{"too many symbols", fmt.Sprintf(`{symbols: [%s]}`, symbolList(51)),
			[]string{"spec.symbols", "must have at most 50 items"}},
		{"no symbols", `{symbols: []}`,
			[]string{"spec.symbols", "should have at least 1 items"}},
		{"duplicate symbols", `{symbols: [BTCUSDT, ETHUSDT, BTCUSDT]}`,
			[]string{"spec.symbols[2]", "Duplicate value"}},
		{"lowercase symbol", `{symbols: [btcusdt]}`,
			[]string{"spec.symbols[0]", "a symbol is 2 to 20 capital letters or digits"}},
		{"one-letter symbol", `{symbols: [B]}`,
			[]string{"spec.symbols[0]", "at least 2 chars long"}},
		{"bad duration syntax", `{risk: {cooldown: "5 minutes"}}`,
			[]string{"spec.risk.cooldown", "cooldown must be a duration from 0s to 24h", `got "5 minutes"`}},
		{"negative duration", `{batching: {maxWait: "-1s"}}`,
			[]string{"spec.batching.maxWait", "maxWait must be a duration from 0s to 5s"}},
		{"duration too long to represent", `{risk: {cooldown: 99999999999h}}`,
			[]string{"spec.risk.cooldown", "cooldown must be a duration from 0s to 24h"}},
		{"signal retention below 1m", `{strategy: {signalRetention: 30s}}`,
			[]string{"spec.strategy.signalRetention", "signalRetention must be a duration from 1m to 720h"}},
		{"signal retention above 720h", `{strategy: {signalRetention: 721h}}`,
			[]string{"spec.strategy.signalRetention", "signalRetention must be a duration from 1m to 720h"}},
		{"signal retention not a duration", `{strategy: {signalRetention: "a day"}}`,
			[]string{"spec.strategy.signalRetention", "signalRetention must be a duration from 1m to 720h"}},
		{"cooldown above 24h", `{risk: {cooldown: 25h}}`,
			[]string{"spec.risk.cooldown", "cooldown must be a duration from 0s to 24h"}},
		{"open duration above 1h", `{circuitBreaker: {openDuration: 2h}}`,
			[]string{"spec.circuitBreaker.openDuration", "openDuration must be a duration from 1s to 1h"}},
		{"open duration below 1s", `{circuitBreaker: {openDuration: 500ms}}`,
			[]string{"spec.circuitBreaker.openDuration", "openDuration must be a duration from 1s to 1h"}},
		{"max wait above 5s", `{batching: {maxWait: 6s}}`,
			[]string{"spec.batching.maxWait", "maxWait must be a duration from 0s to 5s"}},
		{"base delay above max delay", `{retry: {baseDelay: 30s, maxDelay: 10s}}`,
			[]string{"spec.retry.baseDelay", "baseDelay (30s) must not exceed maxDelay (10s)"}},
		{"jitter above 1", `{retry: {jitter: "1.5"}}`,
			[]string{"spec.retry.jitter", "jitter must be at most 1"}},
		{"negative jitter", `{retry: {jitter: "-0.1"}}`,
			[]string{"spec.retry.jitter", "must be a decimal number of at least zero"}},
		{"too many attempts", `{retry: {maxAttempts: 11}}`,
			[]string{"spec.retry.maxAttempts", "less than or equal to 10"}},
		{"zero request weight", `{rateLimits: {requestWeightPerMinute: 0}}`,
			[]string{"spec.rateLimits.requestWeightPerMinute", "greater than or equal to 1"}},
		{"orders per minute above 600", `{risk: {maxOrdersPerMinute: 601}}`,
			[]string{"spec.risk.maxOrdersPerMinute", "less than or equal to 600"}},
		{"unknown order type", `{orders: {type: STOP_LOSS}}`,
			[]string{"spec.orders.type", "Unsupported value"}},
		{"limit offset above 1000 bps", `{orders: {type: LIMIT, limitOffsetBps: 1001}}`,
			[]string{"spec.orders.limitOffsetBps", "less than or equal to 1000"}},
		{"negative limit offset", `{orders: {limitOffsetBps: -1}}`,
			[]string{"spec.orders.limitOffsetBps", "greater than or equal to 0"}},
		{"limit maker at the last price", `{orders: {type: LIMIT_MAKER}}`,
			[]string{"spec.orders.limitOffsetBps", "at least 1 for LIMIT_MAKER"}},
		{"cancel after below 1s", `{orders: {cancelAfter: 500ms}}`,
			[]string{"spec.orders.cancelAfter", "cancelAfter must be a duration from 1s to 24h"}},
		{"cancel after above 24h", `{orders: {cancelAfter: 25h}}`,
			[]string{"spec.orders.cancelAfter", "cancelAfter must be a duration from 1s to 24h"}},
		{"recording database with a space", `{recording: {database: "my db"}}`,
			[]string{"spec.recording.database", "database must be 1 to 64 letters, digits"}},
		{"recording database too long", fmt.Sprintf(`{recording: {database: %s}}`, strings.Repeat("d", 65)),
			[]string{"spec.recording.database", "may not be more than 64"}},
		{"recording retention policy with a space", `{recording: {retentionPolicy: "two weeks"}}`,
			[]string{"spec.recording.retentionPolicy", "retentionPolicy must be empty (the database default policy) or 1 to 64 letters", `got "two weeks"`}},
		{"recording retention policy too long", fmt.Sprintf(`{recording: {retentionPolicy: %s}}`, strings.Repeat("r", 65)),
			[]string{"spec.recording.retentionPolicy", "may not be more than 64"}},
		{"recording batch above 100000", `{recording: {batchSize: 100001}}`,
			[]string{"spec.recording.batchSize", "less than or equal to 100000"}},
		{"flush interval below 100ms", `{recording: {flushInterval: 10ms}}`,
			[]string{"spec.recording.flushInterval", "flushInterval must be a duration from 100ms to 1m"}},
	})
}

// symbolList returns n distinct well-formed symbols, comma separated.
func symbolList(n int) string {
	syms := make([]string, n)
	for i := range syms {
		syms[i] = fmt.Sprintf("SYM%dUSDT", i)
	}
	return strings.Join(syms, ", ")
}
