// Package exchange is the operator's side of the Binance Spot API: it resolves
// a resource's endpoint to URLs, builds go-binance REST clients that never use
// the library's process-wide defaults, observes the rate-limit headers of every
// response, and probes an endpoint's health (reachability, clock offset, used
// weight, symbols) behind a circuit breaker.
//
// Nothing here holds package-level state: every client, breaker and observer
// belongs to the value that created it, so bots on different endpoints and
// accounts can share one process.
package exchange
