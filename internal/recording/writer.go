package recording

import (
	"time"
)

// Writer records the points of one resource. It is cheap to call from any
// goroutine: Write encodes the point, appends it to the Sink's shared buffer
// and returns; it never waits for the network. Get one from Sink.Writer.
//
// A nil *Writer discards points silently (recording disabled by the spec).
type Writer struct {
	sink *Sink
	key  string

	// Everything below is guarded by sink.mu.
	opts WriterOptions
	dest *destination
	// blocks holds every unacknowledged block, oldest first; the open one,
	// if any, is last.
	blocks []*block
	open   *block
	// heapIndex is the writer's place in sink.deadlines, -1 when absent.
	heapIndex int
	// pending counts buffered points (in flight and uncommitted included),
	// pendingBytes their bytes, held those that cannot be evicted (in
	// flight or pinned), staged those waiting for the spool's next commit
	// (not evictable either).
	pending, pendingBytes, held, staged int64
	// stage takes the writer's points until the spool's next commit.
	stage *stagedBatch
	c     counters
	// released: the resource is gone; forget the writer once it has
	// nothing pending.
	released bool
}

// counters are a writer's totals since the Sink started.
type counters struct {
	produced, replayed, written, spooled                                   int64
	dropOverflow, dropRejected, dropInvalid, dropUndelivered, dropDisabled int64
	dropSpoolFull                                                          int64
	lastFlush, lastDrop, lastErrorTime                                     time.Time
	lastError                                                              string
}

// Stats are a writer's figures at one moment. Always
// Produced == Written + Pending + Dropped + Spooled.
type Stats struct {
	// Produced counts the points given to Write, plus those replayed from
	// the spool directory when the Sink started.
	Produced int64
	// Replayed counts the points replayed from the spool directory. Delivery
	// is at least once: a point InfluxDB already held may be replayed, and
	// overwrites itself there.
	Replayed int64
	// Written counts the points InfluxDB acknowledged.
	Written int64
	// Pending counts the points buffered, in flight and uncommitted
	// included.
	Pending int64
	// Uncommitted counts the pending points not yet in the spool: those
	// written since its last group commit, what a crash can lose. Zero
	// without a spool directory (then every pending point is only in
	// memory).
	Uncommitted int64
	// Dropped counts the points given up, the sum of the Dropped* below.
	Dropped int64
	// DroppedOverflow: evicted (oldest first) because the buffer was full.
	DroppedOverflow int64
	// DroppedRejected: refused by InfluxDB (field type conflict, no such
	// database, ...); never retried.
	DroppedRejected int64
	// DroppedInvalid: not valid points (see Point.Validate).
	DroppedInvalid int64
	// DroppedUndelivered: still buffered when the Sink closed and not
	// spooled, or written after it closed.
	DroppedUndelivered int64
	// DroppedDisabled: the operator has no InfluxDB configured.
	DroppedDisabled int64
	// DroppedSpoolFull: the spool directory reached its bound and the
	// oldest segment holding them was deleted.
	DroppedSpoolFull int64
	// Spooled counts the points left in the spool directory at Close, for
	// the next Sink to send.
	Spooled int64
	// SpoolPercent is how full the Sink's spool directory is, 0 to 100 (0
	// without one). It is the Sink's, the same for every writer.
	SpoolPercent int

	// LastFlush is when InfluxDB last acknowledged points of this writer.
	LastFlush time.Time
	// LastDrop is when a point of this writer was last dropped.
	LastDrop time.Time
	// LastError is the latest problem: this writer's own (a rejected or
	// invalid point) or, while writes fail, the Sink's. Empty once a write
	// of this writer succeeds.
	LastError string
	// Failing is true while writes to InfluxDB fail and are being retried.
	Failing bool
	// Disabled is true when the operator has no InfluxDB configured.
	Disabled bool
}

// Key returns the writer's key, the resource's "namespace/name".
func (w *Writer) Key() string {
	if w == nil {
		return ""
	}
	return w.key
}

// Write records p. It never blocks on the network or the disk and never
// fails: a point that cannot be buffered or is invalid is counted as
// dropped (see Stats). p is encoded before Write returns, so the caller may
// reuse it. With a spool directory the point is made durable by the Sink's
// next group commit, within the commit interval.
func (w *Writer) Write(p Point) {
	if w == nil {
		return
	}
	s := w.sink
	var now time.Time
	if p.Time.IsZero() {
		now = s.opts.Now()
	}
	// Encode outside the lock; most lines fit the stack buffer.
	var scratch [320]byte
	line, err := appendLine(scratch[:0], &p, now)

	s.mu.Lock()
	defer s.mu.Unlock()
	w.c.produced++
	switch {
	case err != nil:
		w.c.dropInvalid++
		w.c.lastDrop = s.opts.Now()
		w.noteError("invalid point: "+err.Error(), w.c.lastDrop)
	case s.disabled:
		w.c.dropDisabled++
	case s.closed:
		w.c.dropUndelivered++
		w.c.lastDrop = s.opts.Now()
	default:
		if now.IsZero() {
			now = s.opts.Now()
		}
		if !s.admitLocked(w, len(line), now) {
			w.c.dropOverflow++
			w.c.lastDrop = now
			s.noteOverflowLocked()
			return
		}
		if s.sp != nil {
			s.stageLocked(w, line) // the committer makes it durable
			return
		}
		s.appendLocked(w, line, now)
	}
}

// Stats returns the writer's figures. A nil writer returns zero Stats.
func (w *Writer) Stats() Stats {
	if w == nil {
		return Stats{}
	}
	s := w.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statsLocked(w)
}

func (w *Writer) noteError(msg string, at time.Time) {
	w.c.lastError = msg
	w.c.lastErrorTime = at
}

func (s *Sink) statsLocked(w *Writer) Stats {
	c := &w.c
	st := Stats{
		Produced:           c.produced + c.replayed,
		Replayed:           c.replayed,
		Written:            c.written,
		Pending:            w.pending,
		Uncommitted:        w.staged,
		DroppedOverflow:    c.dropOverflow,
		DroppedRejected:    c.dropRejected,
		DroppedInvalid:     c.dropInvalid,
		DroppedUndelivered: c.dropUndelivered,
		DroppedDisabled:    c.dropDisabled,
		DroppedSpoolFull:   c.dropSpoolFull,
		Spooled:            c.spooled,
		SpoolPercent:       s.spoolPercentLocked(),
		LastFlush:          c.lastFlush,
		LastDrop:           c.lastDrop,
		LastError:          c.lastError,
		Disabled:           s.disabled,
	}
	st.Dropped = st.DroppedOverflow + st.DroppedRejected + st.DroppedInvalid + st.DroppedUndelivered +
		st.DroppedDisabled + st.DroppedSpoolFull
	if s.failing && w.pending > 0 {
		st.Failing = true
		if st.LastError == "" || s.failingSince.After(c.lastErrorTime) {
			st.LastError = s.lastError
		}
	}
	return st
}
