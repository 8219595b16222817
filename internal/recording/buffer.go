package recording

import (
	"bytes"
	"container/heap"
	"container/list"
	"slices"
	"time"
)

// The shared buffer: every writer keeps its unacknowledged points as a list
// of blocks (batches of encoded lines); the Sink bounds their sum in points
// and bytes, in flight included. All of it is guarded by Sink.mu.

type blockState uint8

const (
	blockOpen     blockState = iota // taking points; the writer's open block
	blockReady                      // sealed, waiting in Sink.ready
	blockInFlight                   // part of a request now
)

// block is a batch of one writer's points for one destination: encoded
// lines, each ending in '\n'. Points dropped from its front only move head.
type block struct {
	w     *Writer
	dest  *destination
	buf   []byte
	head  int // buf[head:] holds the live lines
	n     int // live points
	due   time.Time
	state blockState
	elem  *list.Element // in Sink.ready while blockReady
	// solo: send this block alone, so the server's answer can be told
	// apart from other blocks' (after a combined request was refused).
	solo bool
	// pinned: never evicted, since the server may hold some of its points
	// (see requeueLocked).
	pinned bool
	// runs says which spool segments hold the live points, oldest first
	// (empty without a spool).
	runs []segRun
}

func (b *block) live() []byte { return b.buf[b.head:] }

// destination is where a block goes: a database and retention policy, and
// the write URL built for them once.
type destination struct {
	database, retentionPolicy string
	url                       string
}

type destKey struct{ database, retentionPolicy string }

// addPendingLocked changes a writer's buffered totals and the Sink's,
// tracking how many writers hold points (for fair shares).
func (s *Sink) addPendingLocked(w *Writer, points, bytes int64) {
	before := w.pending
	w.pending += points
	w.pendingBytes += bytes
	s.bufPoints += points
	s.bufBytes += bytes
	switch {
	case before == 0 && w.pending > 0:
		s.activeWriters++
	case before > 0 && w.pending == 0:
		s.activeWriters--
	}
}

// admitLocked makes room for one line of size bytes written by w, dropping
// the oldest points first from w itself if it holds at least its fair share
// of the buffer, else from the writer holding the most. It returns false
// when no room can be made; the new point is then the one dropped.
//
// Fairness: a noisy writer fills the buffer only with its own points and,
// once full, evicts only its own; a quiet writer keeps its share and takes
// room from the largest. Points in flight or pinned are never evicted:
// their outcome is not known yet.
func (s *Sink) admitLocked(w *Writer, size int, now time.Time) bool {
	if int64(size) > s.opts.MaxBytes {
		return false
	}
	for s.bufPoints+1 > int64(s.opts.MaxPoints) || s.bufBytes+int64(size) > s.opts.MaxBytes {
		victim := w
		if w.pending-w.held-w.staged == 0 || w.pending < s.fairShareLocked(w) {
			victim = s.largestLocked()
		}
		if victim == nil || !s.evictOldestLocked(victim, now) {
			return false
		}
	}
	return true
}

// fairShareLocked is the buffer's point bound divided among the writers
// holding points, w counted.
func (s *Sink) fairShareLocked(w *Writer) int64 {
	n := int64(s.activeWriters)
	if w.pending == 0 {
		n++
	}
	return int64(s.opts.MaxPoints) / max(n, 1)
}

// largestLocked returns the writer with the most evictable points, or nil.
func (s *Sink) largestLocked() *Writer {
	var best *Writer
	var most int64
	for _, w := range s.writers {
		if n := w.pending - w.held - w.staged; n > most {
			best, most = w, n
		}
	}
	return best
}

// evictOldestLocked drops v's oldest point that is not in flight, counting
// it as an overflow drop.
func (s *Sink) evictOldestLocked(v *Writer, now time.Time) bool {
	for i, b := range v.blocks {
		if b.state == blockInFlight || b.pinned || b.n == 0 {
			continue
		}
		size := bytes.IndexByte(b.live(), '\n') + 1
		b.head += size
		b.n--
		s.settleHeadLocked(b, 1)
		s.addPendingLocked(v, -1, -int64(size))
		v.c.dropOverflow++
		v.c.lastDrop = now
		if b.n == 0 {
			s.removeBlockLocked(v, i)
		}
		s.noteOverflowLocked()
		return true
	}
	return false
}

// removeBlockLocked forgets v.blocks[i], which holds no live points or was
// acknowledged, wherever it is queued.
func (s *Sink) removeBlockLocked(v *Writer, i int) {
	b := v.blocks[i]
	v.blocks = slices.Delete(v.blocks, i, i+1)
	switch b.state {
	case blockOpen:
		v.open = nil
		s.deadlines.remove(v)
	case blockReady:
		s.ready.Remove(b.elem)
		b.elem = nil
	}
}

// appendLocked adds an encoded line to w's open block (see appendLinesLocked)
// and counts it as pending.
func (s *Sink) appendLocked(w *Writer, line []byte, now time.Time) {
	s.addPendingLocked(w, 1, int64(len(line)))
	s.appendLinesLocked(w, w.dest, line, 1, nil, now)
}

// appendLinesLocked adds n encoded lines for dest to w's open block, opening
// one (due after the writer's flush interval) if needed, and sealing each
// block when it reaches the batch size. seg is the spool segment holding
// the lines (nil: none). The caller has counted them as pending.
func (s *Sink) appendLinesLocked(w *Writer, dest *destination, lines []byte, n int, seg *segment, now time.Time) {
	for n > 0 {
		b := w.open
		if b != nil && b.dest != dest {
			s.sealLocked(w) // the destination changed: the old batch keeps its own
			b = nil
		}
		if b == nil {
			b = &block{w: w, dest: dest, due: now.Add(w.opts.FlushInterval), state: blockOpen}
			if c := w.opts.BatchSize * 160; c <= 1<<20 {
				b.buf = make([]byte, 0, c) // room for typical lines, so appends rarely copy
			}
			w.open = b
			w.blocks = append(w.blocks, b)
			s.deadlines.add(w)
			if s.deadlines.first() == w {
				s.wakeSender() // an earlier deadline than the senders sleep for
			}
		}
		// Take as many lines as the batch has room for.
		take, k := n, len(lines)
		if room := w.opts.BatchSize - b.n; n > 1 && (n > room || len(b.buf)+len(lines) >= s.opts.MaxRequestBytes) {
			take, k = 0, 0
			limit := s.opts.MaxRequestBytes - len(b.buf)
			for take < max(room, 1) && k < len(lines) {
				k += bytes.IndexByte(lines[k:], '\n') + 1
				take++
				if k >= limit {
					break
				}
			}
		}
		b.buf = append(b.buf, lines[:k]...)
		b.n += take
		if s.sp != nil {
			b.addRun(seg, take)
		}
		lines, n = lines[k:], n-take
		if b.n >= w.opts.BatchSize || len(b.buf) >= s.opts.MaxRequestBytes {
			s.sealLocked(w)
			s.wakeSender()
		}
	}
}

// sealLocked moves w's open block to the end of the ready queue.
func (s *Sink) sealLocked(w *Writer) {
	b := w.open
	if b == nil {
		return
	}
	w.open = nil
	s.deadlines.remove(w)
	if b.n == 0 {
		w.blocks = slices.DeleteFunc(w.blocks, func(x *block) bool { return x == b })
		return
	}
	b.state = blockReady
	b.elem = s.ready.PushBack(b)
}

// sealDueLocked seals every open block whose flush interval has passed, or
// all of them while flushing or closing.
func (s *Sink) sealDueLocked(now time.Time) {
	all := s.flushing > 0 || s.closing
	for len(s.deadlines) > 0 {
		w := s.deadlines[0]
		if !all && w.open.due.After(now) {
			return
		}
		s.sealLocked(w)
	}
}

// deadlineHeap orders the writers with an open block by its due time.
type deadlineHeap []*Writer

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].open.due.Before(h[j].open.due) }
func (h deadlineHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *deadlineHeap) Push(x any) {
	w := x.(*Writer)
	w.heapIndex = len(*h)
	*h = append(*h, w)
}
func (h *deadlineHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.heapIndex = -1
	return w
}

func (h *deadlineHeap) add(w *Writer) { heap.Push(h, w) }

func (h *deadlineHeap) remove(w *Writer) {
	if w.heapIndex >= 0 {
		heap.Remove(h, w.heapIndex)
	}
}

func (h deadlineHeap) first() *Writer {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}
