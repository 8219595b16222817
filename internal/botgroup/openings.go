package botgroup

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
)

// OpeningsToStatus renders the executor's day openings for
// status.trading.openings; the assembler reads them back when the bot's
// trading starts again.
func OpeningsToStatus(ops []ledger.Opening, day time.Time) []tradingv1alpha1.PositionOpening {
	if len(ops) == 0 || day.IsZero() {
		return nil
	}
	out := make([]tradingv1alpha1.PositionOpening, 0, len(ops))
	for _, o := range ops {
		s := tradingv1alpha1.PositionOpening{
			Symbol: o.Symbol, Day: metav1.NewTime(day.UTC()),
			Quantity: o.Qty.String(), CostBasis: o.CostBasis.String(),
			RealizedPnL: o.Realized.String(), Fees: o.Fees.String(),
			DayStartPrice: o.DayStartPrice.String(), LastTradeID: o.LastTradeID, EntryEstimated: o.EntryEstimated,
		}
		if !o.Oversold.IsZero() {
			s.Oversold = o.Oversold.String()
		}
		for _, f := range o.PendingFees {
			s.PendingFees = append(s.PendingFees, tradingv1alpha1.PendingFeeStatus{
				TradeID: f.TradeID, Asset: f.Asset, Amount: f.Amount.String(), Time: metav1.NewTime(f.Time.UTC()),
			})
		}
		out = append(out, s)
	}
	return out
}

// openingsFromStatus reads status.trading.openings back. They must all
// describe one day; a figure that is not a decimal makes the whole list
// unusable (the executor then values positions from the balances).
func openingsFromStatus(in []tradingv1alpha1.PositionOpening) ([]ledger.Opening, time.Time, error) {
	if len(in) == 0 {
		return nil, time.Time{}, nil
	}
	day := in[0].Day.UTC()
	out := make([]ledger.Opening, 0, len(in))
	for i, s := range in {
		if !s.Day.UTC().Equal(day) {
			return nil, time.Time{}, fmt.Errorf("status.trading.openings[%d] (%s) is of %s, the others of %s", i, s.Symbol, s.Day.UTC().Format(time.DateOnly), day.Format(time.DateOnly))
		}
		var errs []error
		num := func(field, v string) decimal.Decimal {
			if v == "" {
				return decimal.Zero
			}
			d, err := decimal.NewFromString(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("status.trading.openings[%d].%s: %q is not a decimal", i, field, v))
			}
			return d
		}
		o := ledger.Opening{
			Symbol: s.Symbol, Qty: num("quantity", s.Quantity), CostBasis: num("costBasis", s.CostBasis),
			Realized: num("realizedPnL", s.RealizedPnL), Fees: num("fees", s.Fees), Oversold: num("oversold", s.Oversold),
			DayStartPrice: num("dayStartPrice", s.DayStartPrice), LastTradeID: s.LastTradeID, EntryEstimated: s.EntryEstimated,
		}
		for j, f := range s.PendingFees {
			o.PendingFees = append(o.PendingFees, ledger.PendingFee{Symbol: s.Symbol, TradeID: f.TradeID, Asset: f.Asset,
				Amount: num(fmt.Sprintf("pendingFees[%d].amount", j), f.Amount), Time: f.Time.UTC()})
		}
		if err := errors.Join(errs...); err != nil {
			return nil, time.Time{}, err
		}
		out = append(out, o)
	}
	return out, day, nil
}
