package botgroup

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
)

// TestOpeningsRoundTrip: what status.trading.openings shows reads back to
// the same openings, decimal for decimal.
func TestOpeningsRoundTrip(t *testing.T) {
	d := decimal.RequireFromString
	day := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	in := []ledger.Opening{
		{Symbol: "BTCUSDT", Qty: d("0.00123"), CostBasis: d("74.123456789012345678"), Realized: d("-3.5"), Fees: d("0.0001"),
			DayStartPrice: d("60321.01"), LastTradeID: 42},
		{Symbol: "ETHUSDT", Qty: d("2"), CostBasis: d("6000"), Oversold: d("0.1"), DayStartPrice: d("3000"), EntryEstimated: true,
			PendingFees: []ledger.PendingFee{{Symbol: "ETHUSDT", TradeID: 7, Asset: "BNB", Amount: d("0.00075"), Time: day.Add(-time.Hour)}}},
	}
	out, gotDay, err := openingsFromStatus(OpeningsToStatus(in, day))
	if err != nil {
		t.Fatal(err)
	}
	if !gotDay.Equal(day) || len(out) != len(in) {
		t.Fatalf("day %s, %d openings; want %s, %d", gotDay, len(out), day, len(in))
	}
	for i := range in {
		a, b := in[i], out[i]
		if a.Symbol != b.Symbol || !a.Qty.Equal(b.Qty) || !a.CostBasis.Equal(b.CostBasis) || !a.Realized.Equal(b.Realized) ||
			!a.Fees.Equal(b.Fees) || !a.Oversold.Equal(b.Oversold) || !a.DayStartPrice.Equal(b.DayStartPrice) ||
			a.LastTradeID != b.LastTradeID || a.EntryEstimated != b.EntryEstimated || len(a.PendingFees) != len(b.PendingFees) {
			t.Errorf("opening %d: %+v came back as %+v", i, a, b)
			continue
		}
		for j := range a.PendingFees {
			x, y := a.PendingFees[j], b.PendingFees[j]
			if x.Symbol != y.Symbol || x.TradeID != y.TradeID || x.Asset != y.Asset || !x.Amount.Equal(y.Amount) || !x.Time.Equal(y.Time) {
				t.Errorf("pending fee %+v came back as %+v", x, y)
			}
		}
	}
}

// TestOpeningsFromStatusRefusesBadFigures: an edited status is refused as
// a whole, naming the field, rather than rebuilt from a wrong figure.
func TestOpeningsFromStatusRefusesBadFigures(t *testing.T) {
	day := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	st := OpeningsToStatus([]ledger.Opening{{Symbol: "BTCUSDT", Qty: decimal.NewFromInt(1), DayStartPrice: decimal.NewFromInt(5)},
		{Symbol: "ETHUSDT", DayStartPrice: decimal.NewFromInt(5)}}, day)
	st[1].CostBasis = "12,5"
	if _, _, err := openingsFromStatus(st); err == nil || !strings.Contains(err.Error(), "openings[1].costBasis") {
		t.Errorf("a comma decimal: error %v; want one naming openings[1].costBasis", err)
	}
	st[1].CostBasis = "0"
	st[1].Day.Time = day.Add(-24 * time.Hour)
	if _, _, err := openingsFromStatus(st); err == nil {
		t.Error("openings of two different days were accepted")
	}
}
