// Package marketdata is the operator's market-data stream hub: one set of
// Binance WebSocket connections per stream endpoint, shared by every bot and
// watch in the process.
//
// A [Hub] deduplicates subscriptions (a hundred subscribers of
// btcusdt@kline_1m cost one stream on one connection), packs up to
// [Options.MaxStreamsPerConn] streams on a connection, paces SUBSCRIBE and
// UNSUBSCRIBE messages under Binance's five incoming messages a second, keeps
// connection attempts under Binance's per-IP limit, answers pings by always
// having a read pending, reconnects with jittered exponential backoff,
// rotates connections before their 24 h lifetime ends and on serverShutdown
// (opening the new one before closing the old), and backfills closed klines
// over REST after any gap, so a subscriber sees every closed kline once and
// in order.
//
// Silence is judged per stream kind ([Options.StaleAfterByKind]): klines and
// tickers arrive every second or two whatever the market does, trades only
// when someone trades, so a quiet trade stream is not a broken one. A
// stream silent for its bound is resubscribed on its connection. If it is
// still silent a bound later and no stream of its connection has delivered
// anything for that long, the server is answering pings but sending nothing
// (a stall), and the connection is closed and dialled again with its
// streams, under the reconnect backoff, which keeps growing while redials
// bring no data and starts over once data flows. While any stream of the
// connection talks, the silent one is only resubscribed again: a redial
// would interrupt the streams that work. [Subscription.Freshness] tells a
// consumer, without a lock, whether its own streams are fresh.
//
// Events are decoded once per stream message and fanned out through bounded
// per-subscriber mailboxes: tickers, book tickers and open klines are
// conflated to their latest value; closed klines, trades and aggregate
// trades are queued, and when a subscriber's queue overflows the loss is
// counted and reported in-band as a [KindGap] event. A slow subscriber never
// stalls the socket reader or the other subscribers.
//
// The Hub is a controller-runtime Runnable that needs leader election. Every
// goroutine it starts belongs to the Hub, one of its connections or a
// [Subscription], and stops when Start's context ends or the Subscription is
// closed. Nothing here is package-level state: go-binance's WebSocket helpers,
// which are process-wide, are not used.
package marketdata
