// Package signalfeed evaluates each distinct strategy once per market and
// hands its signals to every resource that runs it.
//
// A thousand bots running the same SMA 9/21 crossover on BTCUSDT 1m read
// the same klines and compute the same signals. A Feeds runs one feed per
// Key (stream endpoint, symbol, kline interval, strategy parameters): one
// market-data subscription, one warm-up, one strategy, one goroutine. Each
// signal is then delivered to the feed's subscribers in two passes: Deliver
// for every subscriber first (cheap and non-blocking: the signal reaches
// every resource's store within microseconds of the kline's close), then
// Settle for each (the slower side work: events, recording, status).
//
// What belongs to one resource stays with it: minConfidence, the staleness
// judgement (by the resource's own clock offset), its store, metrics and
// events are the subscriber's business. The feed owns only the market and
// the strategy.
package signalfeed
