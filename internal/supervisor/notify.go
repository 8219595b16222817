package supervisor

import (
	"context"
	"slices"
	"sync"
)

// notifier coalesces "something changed for key" signals: any number of
// notify calls for a key before the dispatcher runs become one callback.
type notifier struct {
	mu      sync.Mutex
	pending map[string]struct{}
	wake    chan struct{} // capacity 1: one wake-up covers every pending key
}

func newNotifier() *notifier {
	return &notifier{pending: make(map[string]struct{}), wake: make(chan struct{}, 1)}
}

// notify marks key as changed. It never blocks. Its lock is a leaf: it may
// be called while holding any other lock of this package.
func (n *notifier) notify(key string) {
	n.mu.Lock()
	n.pending[key] = struct{}{}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default: // a wake-up is already queued and will see this key
	}
}

// dispatch calls onChange for each changed key, without holding any lock,
// until ctx is done. Keys still pending then are dropped: their receiver is
// shutting down too.
func (n *notifier) dispatch(ctx context.Context, onChange func(key string)) {
	var keys []string
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		keys = n.take(keys[:0])
		for _, k := range keys {
			if ctx.Err() != nil {
				return
			}
			if onChange != nil {
				onChange(k)
			}
		}
	}
}

// take appends the pending keys, sorted, to dst and clears the set.
func (n *notifier) take(dst []string) []string {
	n.mu.Lock()
	for k := range n.pending {
		dst = append(dst, k)
	}
	clear(n.pending)
	n.mu.Unlock()
	slices.Sort(dst)
	return dst
}
