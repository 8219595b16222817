// Package signalfeed evaluates each distinct strategy once per market and
// hands its signals to every resource that runs it.
//
// A thousand bots running the same SMA 9/21 crossover on BTCUSDT 1m read
// the same klines and compute the same signals. A Feeds runs one feed per
// Key (stream endpoint, symbol, kline interval, strategy parameters): one
// market-data subscription, one warm-up, one strategy, one goroutine. Each
// signal is then delivered to the feed's subscribers in two passes: Deliver
// for every subscriber first, then Settle for each. Deliver does only what
// must happen before the next subscriber's turn (a resource puts the
// signal in its store): each subscriber's memory is cold by the time a
// kline closes, so every cache line it touches delays all those after it.
// The feed reads the clock once for several subscribers and hands the time
// to Deliver, and the time it saw their Deliver done to Settle, which does
// the rest: counting, the latency sample, events, recording, status and
// hand-offs that wake other goroutines.
//
// What belongs to one resource stays with it: minConfidence, the staleness
// judgement (by the resource's own clock offset), its store, metrics and
// events are the subscriber's business. The feed owns only the market and
// the strategy.
package signalfeed
