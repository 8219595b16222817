package ordersize

import "github.com/shopspring/decimal"

var (
	one        = decimal.NewFromInt(1)
	bpsPerUnit = decimal.NewFromInt(10000)
)

// floorToGrid returns the largest lo + k × step (k a whole number) that is
// at most x. A zero step is no grid: x comes back unchanged, and so does an
// x below lo (the caller refuses it as below the minimum).
func floorToGrid(x, lo, step decimal.Decimal) decimal.Decimal {
	if !step.IsPositive() || x.LessThan(lo) {
		return x
	}
	k, _ := x.Sub(lo).QuoRem(step, 0)
	return lo.Add(k.Mul(step))
}

// ceilToGrid returns the smallest lo + k × step that is at least x (x
// itself for a zero step or an x below lo).
func ceilToGrid(x, lo, step decimal.Decimal) decimal.Decimal {
	if !step.IsPositive() || x.LessThan(lo) {
		return x
	}
	k, r := x.Sub(lo).QuoRem(step, 0)
	if !r.IsZero() {
		k = k.Add(one)
	}
	return lo.Add(k.Mul(step))
}

// onGrid reports whether x − lo is a whole number of step (always, for a
// zero step).
func onGrid(x, lo, step decimal.Decimal) bool {
	if !step.IsPositive() {
		return true
	}
	_, r := x.Sub(lo).QuoRem(step, 0)
	return r.IsZero()
}

// withinPrecision reports whether x has at most places decimals, trailing
// zeros not counted.
func withinPrecision(x decimal.Decimal, places int) bool {
	return x.Truncate(int32(places)).Equal(x)
}

// quoFloor returns the largest multiple of 10^-places whose product with d
// is at most n (n ≥ 0, d > 0), exactly: no rounding up can creep in.
func quoFloor(n, d decimal.Decimal, places int) decimal.Decimal {
	q, _ := n.QuoRem(d, int32(places))
	return q
}

// bandLimits returns the tolerated band [avg × down × (1 + tol),
// avg × up × (1 − tol)]: a price inside it stays inside
// [avg' × down, avg' × up] for any avg' within tol of avg.
func bandLimits(avg, down, up, tol decimal.Decimal) (lo, hi decimal.Decimal) {
	return avg.Mul(down).Mul(one.Add(tol)), avg.Mul(up).Mul(one.Sub(tol))
}
