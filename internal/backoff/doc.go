// Package backoff holds the capped exponential backoff with equal jitter
// that the supervisor (task restarts) and the recorder (write retries)
// share, and the seeded random source its jitter draws from. Each user owns
// its source: nothing here is package-level state.
package backoff
