// Package marketrecord records market data once per exchange endpoint,
// stream and recording target, however many resources subscribe to it.
//
// A thousand bots watching BTCUSDT share one hub stream (internal/marketdata);
// they used to write a thousand copies of its every price and kline, each
// tagged by its resource. A [Recorder] instead takes one extra hub
// subscription per stream and database, held while at least one resource
// holds a [Lease] on it, and writes each event once through the process's
// recording Sink, tagged by exchange, endpoint and symbol. What belongs to
// one resource (its signals, orders, fills and health) stays with the
// resource's own writer.
//
// The Recorder owns one goroutine per recorded stream and target: it starts
// with the first Lease and stops when the last is released, when the hub
// stops, or at Close.
package marketrecord
