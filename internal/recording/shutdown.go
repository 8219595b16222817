package recording

import (
	"context"
	"errors"
	"fmt"
)

// Flush sends every buffered point now, without waiting for batches to fill
// or their flush intervals, and waits until nothing is pending or ctx ends.
// While other goroutines keep writing it may wait until ctx ends.
func (s *Sink) Flush(ctx context.Context) error {
	s.mu.Lock()
	s.flushing++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.flushing--
		s.mu.Unlock()
	}()
	s.wakeSender()
	if s.sp != nil {
		s.wakeCommitter()
	}
	return s.waitIdle(ctx, false)
}

// errFailing ends Close's delivery attempts early when a spool directory
// can keep the points.
var errFailing = errors.New("InfluxDB writes are failing")

// waitIdle waits until nothing is buffered, ctx ends or, if spooling, writes
// fail.
func (s *Sink) waitIdle(ctx context.Context, stopWhenFailing bool) error {
	for {
		s.mu.Lock()
		idle, failing, ch := s.bufPoints == 0, s.failing, s.progress
		s.mu.Unlock()
		switch {
		case idle:
			return nil
		case stopWhenFailing && failing:
			return errFailing
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close delivers what is buffered, until that is done or ctx ends. With a
// spool directory it stops trying as soon as writes fail: what is left is
// in the spool already (after a last commit) and the next Sink on the
// directory sends it. It returns how many points were neither delivered nor
// spooled (also counted in the writers' DroppedUndelivered), with an error
// saying why. Writes after Close are counted as undelivered. Close stops
// every goroutine the Sink started; calling it again returns (0, nil).
func (s *Sink) Close(ctx context.Context) (undelivered int64, err error) {
	s.mu.Lock()
	if s.closing || s.closed {
		s.mu.Unlock()
		return 0, nil
	}
	s.closing = true
	s.mu.Unlock()
	if s.disabled {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.unregister()
		return 0, nil
	}

	s.wakeSender()
	if s.sp != nil {
		s.wakeCommitter()
	}
	waitErr := s.waitIdle(ctx, s.sp != nil)

	// Stop the senders; a request cut short goes back to the queue.
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	close(s.stop)
	s.cancel()
	s.senders.Wait()

	s.mu.Lock()
	s.closed = true // from here on Write counts points as undelivered
	s.mu.Unlock()
	if s.sp != nil {
		close(s.sp.stop) // the committer's last commit takes what is staged
		<-s.sp.done
	}

	s.mu.Lock()
	left := s.takeAllBlocksLocked()
	s.mu.Unlock()
	compacted := false
	if s.sp != nil && len(left) > 0 {
		compacted = s.compactSpool(left)
	}
	s.mu.Lock()
	now := s.opts.Now()
	for _, b := range left {
		kept := b.n
		if !compacted {
			kept = b.spooledPoints()
		}
		b.w.c.spooled += int64(kept)
		if lost := b.n - kept; lost > 0 {
			b.w.c.dropUndelivered += int64(lost)
			b.w.c.lastDrop = now
			undelivered += int64(lost)
		}
		s.addPendingLocked(b.w, -int64(b.n), -int64(len(b.live())))
	}
	s.noteProgressLocked()
	s.mu.Unlock()

	var spoolErr error
	if s.sp != nil {
		spoolErr = s.closeSpool()
	}
	s.unregister()
	if s.ownClient != nil {
		s.ownClient.CloseIdleConnections()
	}
	if undelivered > 0 {
		cause := waitErr
		if s.sp != nil {
			cause = errors.Join(waitErr, errors.New("the spool could not keep them (see the commit errors logged)"))
		}
		return undelivered, fmt.Errorf("recording: %d points could not be delivered: %w", undelivered, cause)
	}
	if spoolErr != nil {
		return 0, fmt.Errorf("recording: closing the spool: %w", spoolErr)
	}
	return 0, nil
}

// takeAllBlocksLocked removes every buffered block from the queues (the
// senders are stopped) and returns them, oldest first per writer.
func (s *Sink) takeAllBlocksLocked() []*block {
	var all []*block
	for _, w := range s.writers {
		for _, b := range w.blocks {
			if b.n > 0 {
				all = append(all, b)
			}
		}
		w.blocks = nil
		w.open = nil
		w.heapIndex = -1
	}
	s.deadlines = nil
	s.ready.Init()
	return all
}

func (s *Sink) unregister() {
	if s.opts.Registry != nil {
		s.opts.Registry.Unregister(s.metrics)
	}
}
