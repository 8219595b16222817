// Package exchange is the operator's side of the Binance Spot REST API,
// shared by every bot in the process.
//
// A Registry owns one Endpoint per REST base URL and one Account per API key
// on it. The Endpoint holds what all bots on that URL (and so on the
// operator's one egress IP) must share: a weight budget that counts each
// UTC minute as the exchange does and follows its X-MBX-USED-WEIGHT-1M
// header, so that no caller ever earns a 429; the pause every caller
// observes after a 429 and the ban after a 418; circuit breakers (one per
// distinct settings value); the exchangeInfo cache; and the price, 24 h
// ticker and kline warm-up requests that many bots' calls are coalesced
// into. An Account signs requests with a clock offset kept in step with the
// server, holds the order budget all bots on the key share, and never sends
// an order twice. An order request that provably never left the process is
// "not placed" (ErrOrderNotPlaced); one whose answer is lost is looked up by
// its client order id until it is found, or until a lookup made after the
// exchange's clock passed the request's timestamp + recvWindow finds
// nothing (then it too is not placed); if neither can be established the
// error says the outcome is unknown (ErrOutcomeUnknown, with an
// *UnresolvedOrderError for ResolveOrder to finish the job later). A Share
// caps one bot's part so it cannot starve the others.
//
// Every call goes through Endpoint.Do (or its typed wrappers), which
// classifies each failure once (see ErrorClass and Error), traces each
// request (httptrace) to know whether it can have left the process, and
// retries idempotent reads, with exponential backoff and jitter; a call
// that is not idempotent is tried again only when its request never left. Gather runs
// fan-out work with bounded concurrency.
//
// Each Endpoint also owns its health probe: ping, server time (the
// endpoint's one clock sync; its accounts sign with the offset it measures,
// since they share the server's clock) and the symbols its users need, looked
// up in the cached exchangeInfo. Resources do not probe: each reads the
// endpoint's probe through a HealthView, which reports the resource's own
// symbols and the breaker of its own settings. The probe runs while at least
// one view's Run does, at the shortest interval they ask for, so an endpoint
// with a thousand idle bots spends the weight of one probe.
//
// The package also resolves a resource's endpoint to URLs, builds go-binance
// REST clients that never use the library's process-wide defaults, and
// reads the rate-limit headers below go-binance in a RoundTripper.
//
// Nothing here holds package-level state: every budget, breaker, probe and
// client belongs to the value that created it. The goroutines are those of
// requests shared by several callers, each owned by its request and ending
// with it, and one per endpoint for its health probe, started by the first
// HealthView.Run and stopped (and waited for) by the last one's return.
// Registry.Close cancels and waits for all of them.
package exchange
