package limits

import "time"

// Window lengths in milliseconds.
const (
	tenSecondsMs  = 10 * 1000
	minuteMs      = 60 * 1000
	fiveMinutesMs = 5 * minuteMs
	dayMs         = 24 * 60 * minuteMs
)

// fixedWindow counts events in one window of a series aligned to the Unix epoch.
// A count that belongs to another window than the one asked about is stale and
// reads as zero, so nothing has to reset windows on a timer.
type fixedWindow struct {
	index int64
	count int
}

// windowIndex is the number of the window of length sizeMs that contains nowMs.
func windowIndex(nowMs, sizeMs int64) int64 {
	q := nowMs / sizeMs
	if nowMs%sizeMs < 0 {
		q-- // floor division for times before 1970
	}
	return q
}

// windowEnd is when window index of length sizeMs ends.
func windowEnd(index, sizeMs int64) time.Time {
	return time.UnixMilli((index + 1) * sizeMs)
}

func (w *fixedWindow) value(index int64) int {
	if w.index != index {
		return 0
	}
	return w.count
}

// add counts n events in window index and returns the window's new count.
func (w *fixedWindow) add(index int64, n int) int {
	if w.index != index {
		w.index, w.count = index, 0
	}
	w.count += n
	return w.count
}

// retryAfter is the Retry-After value for waiting until t: whole seconds,
// rounded up, at least one.
func retryAfter(now, t time.Time) time.Duration {
	d := t.Sub(now)
	if d <= time.Second {
		return time.Second
	}
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return d
}
