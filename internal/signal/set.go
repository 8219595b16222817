package signal

import (
	"errors"
	"slices"
	"time"
)

// Set runs several strategies of one symbol on the same klines. Each kline
// is checked (symbol, open time newer than the last one folded, finite
// close), its close converted to a float once and written once to a ring
// that every window of every strategy reads, pushed once into each window
// (strategies averaging the same number of closes, or Bollinger bands over
// the same period, read the same one), then folded into every strategy,
// type by type (see members.fold), its signals put in the order of the
// configs. A strategy of a Set gives exactly the signals it gives alone,
// fed the same klines with Update.
//
// A Set is not safe for concurrent use; one task owns it.
type Set struct {
	closes  closeRing
	windows windows
	symbol  string
	byType  members
	typed   bool     // byType holds the strategies; members are the same
	members []folder // in the order of the configs
	warmup  int      // the longest warm-up of the members
	started bool
	last    time.Time // open time of the last kline folded
	folded  int       // klines folded, counted up to warmup
}

// SetSignal is a signal of one of a Set's strategies.
type SetSignal struct {
	// Index is the position of the strategy's Config in the list NewSet
	// was given.
	Index int
	Signal
}

// NewSet returns a Set of one strategy per config, all for symbol. It
// fails if symbol is empty, if there is no config, or if a config is not
// valid.
func NewSet(symbol string, cfgs ...Config) (*Set, error) {
	if len(cfgs) == 0 {
		return nil, errors.New("a set needs at least one strategy")
	}
	for _, cfg := range cfgs {
		if err := checkMember(cfg, symbol); err != nil {
			return nil, err
		}
	}
	s := &Set{windows: newWindows(cfgs)}
	byType, folders := newMembers(cfgs, symbol, &s.windows)
	s.init(symbol, folders)
	s.byType, s.typed = byType, true
	return s, nil
}

// init sets up a new Set of members, whose windows are s.windows. A Set
// built by init alone (of other folders than NewSet's) folds each member
// through the folder interface.
func (s *Set) init(symbol string, members []folder) {
	for _, m := range members {
		s.warmup = max(s.warmup, m.WarmupKlines())
	}
	s.closes, s.symbol, s.members = newCloseRing(s.windows.longest()), symbol, members
}

// Update folds k into every strategy and appends the signals that fire on
// it to out, in the order of the configs; it returns the extended slice.
// A kline of another symbol, one not newer (by open time) than the last
// one folded, or one whose close is not a finite number is ignored.
// Update allocates only when out has room for fewer than Len more
// signals (a signal's reason is spelled later, by Signal.Reason).
func (s *Set) Update(k *Kline, out []SetSignal) []SetSignal {
	x, ok := acceptKline(k, s.symbol, s.started, s.last)
	if !ok {
		return out
	}
	s.started, s.last = true, k.OpenTime
	if s.folded < s.warmup {
		s.folded++
	}
	s.windows.push(s.closes.buf, s.closes.push(x), x)
	out = slices.Grow(out, len(s.members))
	if s.typed {
		return s.byType.fold(k, x, out)
	}
	// As appendFold does, inlined.
	for i, m := range s.members {
		next := out[:len(out)+1]
		if m.fold(k, x, &next[len(out)].Signal) {
			next[len(out)].Index = i
			out = next
		}
	}
	return out
}

// Len is the number of strategies.
func (s *Set) Len() int { return len(s.members) }

// WarmupKlines is the longest warm-up of the strategies: after that many
// klines every one of them may signal.
func (s *Set) WarmupKlines() int { return s.warmup }

// Ready reports whether WarmupKlines klines have been folded.
func (s *Set) Ready() bool { return s.folded >= s.warmup }
