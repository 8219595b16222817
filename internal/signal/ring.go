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
// It has more slots than the longest window, a power of two: the close
// leaving a full window is still there after the new one has been written,
// and a window finds it by masking, with no wrap to test.
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
	n := 2
	for n <= longest {
		n *= 2
	}
	return closeRing{buf: make([]float64, n)}
}

// push stores the next close and returns its index. Every window reading
// the ring must fold exactly the closes pushed, in order.
func (r *closeRing) push(x float64) int {
	if len(r.buf) == 0 {
		return 0
	}
	h := r.head
	r.buf[h] = x
	r.head = (h + 1) & (len(r.buf) - 1)
	return h
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

// push folds x, which ring has just received at index h, into every
// window. The usual case of each window's push, a steady one, is written
// out here, where it is inlined: a call per window would cost more than
// the sums.
func (ws *windows) push(ring []float64, h int, x float64) {
	means, vars := ws.means, ws.vars // not reloaded after each call
	for i := range means {
		if w := &means[i]; w.left > 1 {
			w.left--
			w.slide(ring, h, x)
		} else {
			w.pushSlow(ring, h, x)
		}
	}
	for i := range vars {
		if w := &vars[i]; w.left > 1 {
			w.left--
			w.slide(ring, h, x)
			if !w.settled() { // check, its usual case inlined
				w.recompute(ring, h)
			}
		} else {
			w.pushSlow(ring, h, x)
		}
	}
}
