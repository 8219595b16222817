// Package eventbudget decides which Kubernetes Events a group may emit, so
// a chatty strategy cannot flood the API server.
//
// A Budget holds a token bucket per key (for example "BTCUSDT/BUY") and one
// bucket across all keys. The caller asks Allow before emitting; what is
// refused is counted, and the next Decision that lets an event through
// carries that count and the time of the first refused event, so the
// emitted event can say "(and 12 more since 10:04:05 UTC)".
//
// The package is pure: time is passed in, nothing starts a goroutine, and
// nothing is held at package level. A Budget is safe for concurrent use.
package eventbudget
