package runtime

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"
)

// backoffDelay returns the wait before restarting a task after its
// failures-th consecutive failure (1-based): the ceiling base*2^(failures-1),
// capped at limit, with equal jitter, i.e. a value in [ceiling/2, ceiling].
// Keeping half the ceiling fixed makes the growth dependable while the other
// half spreads out restarts of bots that failed together.
// jitter(n) must return a value in [0, n).
func backoffDelay(failures int, base, limit time.Duration, jitter func(n int64) int64) time.Duration {
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

// jitterSource is a supervisor's own random source for backoff jitter.
type jitterSource struct {
	mu sync.Mutex
	r  *rand.Rand
}

// newJitterSource seeds a source from seed, or from the system's entropy
// when seed is 0.
func newJitterSource(seed uint64) *jitterSource {
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:]) // never fails on supported platforms
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return &jitterSource{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Int64N returns a value in [0, n); n must be positive.
func (j *jitterSource) Int64N(n int64) int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.r.Int64N(n)
}
