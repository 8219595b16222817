package matching

import (
	"sort"

	"github.com/shopspring/decimal"
)

var (
	bpsPerUnit = decimal.NewFromInt(10000)
	two        = decimal.NewFromInt(2)
)

// book is one symbol's order book: the simulated levels around the mid
// price plus the resting user orders.
type book struct {
	spec     SymbolSpec
	mid      decimal.Decimal
	hasPrice bool

	// Simulated liquidity still available until the next rebuild: simBids
	// high to low, simAsks low to high. A level whose Qty reaches zero stays
	// in place (so match plans can refer to levels by index).
	simBids, simAsks []Level

	// Resting user orders: bids high to low, asks low to high, each price
	// in arrival order.
	bids, asks []*order

	nextOrderID, nextTradeID int64
	updateID                 int64
}

func newBook(spec SymbolSpec) *book {
	return &book{spec: spec}
}

// rebuild lays out fresh simulated levels around the mid price.
func (b *book) rebuild(cfg BookConfig) {
	b.updateID++
	b.simBids, b.simAsks = b.simBids[:0], b.simAsks[:0]
	if !b.hasPrice {
		return
	}
	tick := b.spec.TickSize
	halfSpread := cfg.SpreadBps.Div(two).Div(bpsPerUnit)
	step := cfg.LevelStepBps.Div(bpsPerUnit)
	one := decimal.NewFromInt(1)
	for i := 0; i < cfg.Levels; i++ {
		offset := halfSpread.Add(step.Mul(decimal.NewFromInt(int64(i))))
		bid := floorTo(b.mid.Mul(one.Sub(offset)), tick)
		ask := ceilTo(b.mid.Mul(one.Add(offset)), tick)
		// Coarse ticks can round neighbouring levels onto one price: keep
		// every level at least one tick from the previous one.
		if n := len(b.simBids); n > 0 && bid.GreaterThanOrEqual(b.simBids[n-1].Price) {
			bid = b.simBids[n-1].Price.Sub(tick)
		}
		if n := len(b.simAsks); n > 0 && ask.LessThanOrEqual(b.simAsks[n-1].Price) {
			ask = b.simAsks[n-1].Price.Add(tick)
		}
		if i == 0 && ask.LessThanOrEqual(bid) {
			ask = bid.Add(tick)
		}
		if bid.IsPositive() {
			if qty := b.levelQty(cfg, bid); qty.IsPositive() {
				b.simBids = append(b.simBids, Level{Price: bid, Qty: qty})
			}
		}
		if qty := b.levelQty(cfg, ask); qty.IsPositive() {
			b.simAsks = append(b.simAsks, Level{Price: ask, Qty: qty})
		}
	}
}

func (b *book) levelQty(cfg BookConfig, price decimal.Decimal) decimal.Decimal {
	return floorTo(cfg.LevelNotional.Div(price), b.spec.StepSize)
}

// bestSim returns the best simulated level with liquidity on one side.
func bestSim(levels []Level) (Level, bool) {
	for _, l := range levels {
		if l.Qty.IsPositive() {
			return l, true
		}
	}
	return Level{}, false
}

// best returns the best bid or ask over simulated and user liquidity,
// with the quantity available at that price.
func (b *book) best(side Side) (Level, bool) {
	levels := b.levels(side, 1)
	if len(levels) == 0 {
		return Level{}, false
	}
	return levels[0], true
}

// levels merges simulated and user liquidity of one side (BUY = bids) into
// at most limit price levels, best first.
func (b *book) levels(side Side, limit int) []Level {
	sim, users := b.simBids, b.bids
	better := decimal.Decimal.GreaterThan
	if side == SideSell {
		sim, users = b.simAsks, b.asks
		better = decimal.Decimal.LessThan
	}
	var out []Level
	add := func(price, qty decimal.Decimal) {
		if n := len(out); n > 0 && out[n-1].Price.Equal(price) {
			out[n-1].Qty = out[n-1].Qty.Add(qty)
			return
		}
		out = append(out, Level{Price: price, Qty: qty})
	}
	i, j := 0, 0
	for {
		for i < len(sim) && !sim[i].Qty.IsPositive() {
			i++
		}
		haveSim, haveUser := i < len(sim), j < len(users)
		if !haveSim && !haveUser {
			break
		}
		var next Level
		if haveUser && (!haveSim || !better(sim[i].Price, users[j].Price)) {
			next = Level{Price: users[j].Price, Qty: users[j].remaining()}
			j++
		} else {
			next = sim[i]
			i++
		}
		if n := len(out); n == limit && !out[n-1].Price.Equal(next.Price) {
			break
		}
		add(next.Price, next.Qty)
	}
	return out
}

// rest puts an open order on the book behind earlier orders at its price.
func (b *book) rest(o *order) {
	b.updateID++
	if o.Side == SideBuy {
		i := sort.Search(len(b.bids), func(i int) bool { return b.bids[i].Price.LessThan(o.Price) })
		b.bids = insertAt(b.bids, i, o)
		return
	}
	i := sort.Search(len(b.asks), func(i int) bool { return b.asks[i].Price.GreaterThan(o.Price) })
	b.asks = insertAt(b.asks, i, o)
}

// remove takes an order off the book; it is a no-op for orders not resting.
func (b *book) remove(o *order) {
	list := &b.bids
	if o.Side == SideSell {
		list = &b.asks
	}
	for i, r := range *list {
		if r == o {
			*list = append((*list)[:i], (*list)[i+1:]...)
			b.updateID++
			return
		}
	}
}

func insertAt(list []*order, i int, o *order) []*order {
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = o
	return list
}

// floorTo rounds a positive x down to a multiple of step.
func floorTo(x, step decimal.Decimal) decimal.Decimal {
	return x.Sub(x.Mod(step))
}

// ceilTo rounds a positive x up to a multiple of step.
func ceilTo(x, step decimal.Decimal) decimal.Decimal {
	if r := x.Mod(step); !r.IsZero() {
		return x.Sub(r).Add(step)
	}
	return x
}

// multipleOf reports whether x is a whole number of steps.
func multipleOf(x, step decimal.Decimal) bool {
	return x.Mod(step).IsZero()
}
