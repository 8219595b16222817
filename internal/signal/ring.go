package signal

import (
	"slices"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

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

// windows are the windows over one closeRing, each kind and period once:
// strategies of a Set averaging the same number of closes read one
// meanWindow, Bollinger strategies over the same period one window, and
// each is pushed once per kline. A window's sums depend only on the closes
// pushed, so sharing one changes no value. The windows of a Set lie next
// to each other, in two arrays.
type windows struct {
	means []meanWindow
	vars  []window
}

// newWindows returns the windows the (valid) configs read, none pushed.
func newWindows(cfgs []Config) windows {
	var means, vars []int
	for _, cfg := range cfgs {
		switch cfg.Type {
		case v1alpha1.StrategySMACrossover:
			means = append(means, cfg.FastPeriod, cfg.SlowPeriod)
		case v1alpha1.StrategyBollingerBands:
			vars = append(vars, cfg.Period)
		}
	}
	slices.Sort(means)
	slices.Sort(vars)
	means, vars = slices.Compact(means), slices.Compact(vars)
	var ws windows
	if len(means) > 0 {
		ws.means = make([]meanWindow, len(means))
		for i, p := range means {
			ws.means[i] = newMeanWindow(p)
		}
	}
	if len(vars) > 0 {
		ws.vars = make([]window, len(vars))
		for i, p := range vars {
			ws.vars[i] = newWindow(p)
		}
	}
	return ws
}

// mean returns the meanWindow over period closes; newWindows made it.
func (ws *windows) mean(period int) *meanWindow {
	for i := range ws.means {
		if int(ws.means[i].period) == period {
			return &ws.means[i]
		}
	}
	panic("signal: no mean window over the period")
}

// variance returns the window over period closes; newWindows made it.
func (ws *windows) variance(period int) *window {
	for i := range ws.vars {
		if int(ws.vars[i].period) == period {
			return &ws.vars[i]
		}
	}
	panic("signal: no window over the period")
}

// longest is the longest window's period: the closeRing must hold one
// close more. 0 when there is none.
func (ws *windows) longest() int {
	n := 0
	for i := range ws.means {
		n = max(n, int(ws.means[i].period))
	}
	for i := range ws.vars {
		n = max(n, int(ws.vars[i].period))
	}
	return n
}

// push folds x, which ring has just received, into every window. The
// usual case of each window's push, a steady one, is written out here,
// where it is inlined: a call per window would cost more than the sums.
func (ws *windows) push(ring []float64, x float64) {
	for i := range ws.means {
		if w := &ws.means[i]; w.steady() {
			w.slide(ring, x)
		} else {
			w.push(ring, x)
		}
	}
	for i := range ws.vars {
		w := &ws.vars[i]
		if !w.steady() {
			w.push(ring, x)
			continue
		}
		w.slide(ring, x)
		if w.peak > rebaseRatio*w.sumSq() {
			w.recompute(ring)
		}
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
