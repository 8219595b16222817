package signal

// closeRing holds the most recent closes of one symbol for every window
// that reads them: all the SMA and Bollinger windows of a Set (or of one
// strategy, or one indicator) share it instead of each keeping a copy. A
// fold then writes a close once, and each window only reads the close
// leaving it, so a Set's state spans fewer cache lines.
//
// It has one slot more than the longest window: the close leaving a full
// window is still there after the new one has been written.
type closeRing struct {
	buf  []float64
	head int // where the next close goes
}

// newCloseRing returns a ring for windows of at most longest closes; none
// when longest is 0.
func newCloseRing(longest int) closeRing {
	if longest == 0 {
		return closeRing{}
	}
	return closeRing{buf: make([]float64, longest+1)}
}

// push stores the next close. Every window reading the ring must fold
// exactly the closes pushed, in order.
func (r *closeRing) push(x float64) {
	if len(r.buf) == 0 {
		return
	}
	r.buf[r.head] = x
	if r.head++; r.head == len(r.buf) {
		r.head = 0
	}
}

// ringSpan returns the n closes from ring index from on, oldest first, as
// at most two slices (the second starts at the ring's start).
func ringSpan(ring []float64, from, n int) (a, b []float64) {
	if end := from + n; end <= len(ring) {
		return ring[from:end], nil
	}
	return ring[from:], ring[:from+n-len(ring)]
}
