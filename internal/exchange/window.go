package exchange

import "time"

// Binance counts request weight and orders in fixed windows aligned to the
// Unix epoch (the weight window resets at every UTC minute), not in sliding
// ones. These helpers number the windows.

const (
	minute     = time.Minute
	tenSeconds = 10 * time.Second //nolint:revive,staticcheck // named for the exchange's ten-second order window
	day        = 24 * time.Hour
)

// windowGuard is how long after the server's window boundary our own
// window opens. It covers an error in the measured clock offset: were our
// clock ahead of the server's, requests released at our boundary would
// still land in the server's old, full window and earn a 429.
const windowGuard = 250 * time.Millisecond

// windowIndex numbers the window of length size that holds t.
func windowIndex(t time.Time, size time.Duration) int64 {
	ms, sizeMs := t.UnixMilli(), size.Milliseconds()
	q := ms / sizeMs
	if ms%sizeMs < 0 {
		q-- // floor for times before 1970
	}
	return q
}

// windowEnd is when window index of length size ends.
func windowEnd(index int64, size time.Duration) time.Time {
	return time.UnixMilli((index + 1) * size.Milliseconds())
}

// counter counts in one window of a series; a count from another window is
// stale and reads as zero, so nothing resets counters on a timer.
type counter struct {
	index int64
	n     int
}

func (c *counter) value(index int64) int {
	if c.index != index {
		return 0
	}
	return c.n
}

// roll moves the counter to window index, forgetting an older count.
func (c *counter) roll(index int64) {
	if c.index != index {
		c.index, c.n = index, 0
	}
}
