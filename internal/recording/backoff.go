package recording

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"time"
)

// backoffDelay returns the wait after the failures-th consecutive failed
// write (1-based): the ceiling base*2^(failures-1), capped at limit, with
// equal jitter, i.e. a value in [ceiling/2, ceiling]. The fixed half makes
// the growth dependable; the random half keeps operator replicas that lost
// the same server from returning in step. jitter(n) must return a value in
// [0, n).
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

// newRand returns a random source for jitter seeded with seed, or from the
// system's entropy when seed is 0. The Sink uses it under its lock.
func newRand(seed uint64) *rand.Rand {
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:]) // never fails on supported platforms
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
