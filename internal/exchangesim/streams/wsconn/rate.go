package wsconn

import (
	"sync"
	"time"
)

// incomingRate counts a connection's incoming messages in one-second windows;
// a window opens with the first message after the previous one expired.
type incomingRate struct {
	max int // 0 = unlimited
	now func() time.Time

	mu    sync.Mutex // data reads and control-frame callbacks can overlap during a close
	start time.Time
	count int
}

// allow counts one message and reports whether the connection stays within
// its limit.
func (r *incomingRate) allow() bool {
	if r.max <= 0 {
		return true
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.count == 0 || now.Sub(r.start) >= time.Second || now.Before(r.start) {
		r.start, r.count = now, 0
	}
	r.count++
	return r.count <= r.max
}
