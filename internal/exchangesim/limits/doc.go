// Package limits owns the exchange simulator's rate limits and bans, the way
// Binance Spot applies them: request weight and raw requests per client IP, new
// orders per account, 429 responses with Retry-After, and 418 bans that grow for
// repeat offenders.
//
// All windows are fixed, aligned to the Unix epoch in UTC, never sliding:
// REQUEST_WEIGHT resets at every minute boundary (as Binance's
// X-MBX-USED-WEIGHT-1M header does), RAW_REQUESTS every 5 minutes (hh:00, hh:05,
// …), ORDERS every 10 seconds and at midnight UTC. Time comes from Config.Now,
// so tests drive it. A Limiter is safe for concurrent use; it starts no
// goroutines and forgets idle IPs and accounts lazily, so its memory is bounded
// by the clients active in the last windows (and, for banned IPs, BanMemory).
package limits
