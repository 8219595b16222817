package backoff

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"
)

// Delay returns the wait after the failures-th consecutive failure
// (1-based): the ceiling base*2^(failures-1), capped at limit, with equal
// jitter, i.e. a value in [ceiling/2, ceiling]. The fixed half makes the
// growth dependable; the random half keeps bots (or replicas) that failed
// together from retrying in step. jitter(n) must return a value in [0, n).
func Delay(failures int, base, limit time.Duration, jitter func(n int64) int64) time.Duration {
	ceiling := base
	for i := 1; i < failures && ceiling < limit; i++ {
		if ceiling > limit/2 {
			ceiling = limit // doubling would pass the cap (or overflow)
			break
		}
		ceiling *= 2
	}
	ceiling = min(ceiling, limit)
	half := ceiling / 2
	return ceiling - half + time.Duration(jitter(int64(half)+1))
}

// Jitter is a random source for Delay's jitter, safe for concurrent use.
type Jitter struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewJitter seeds a source from seed, or from the system's entropy when
// seed is 0 (tests pass a seed to get the same draws every run).
func NewJitter(seed uint64) *Jitter {
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:]) // never fails on supported platforms
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return &Jitter{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Int64N returns a value in [0, n); n must be positive.
func (j *Jitter) Int64N(n int64) int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.r.Int64N(n)
}
