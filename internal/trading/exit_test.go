package trading

import (
	"strings"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// TestSellAboveMaxOrderQuote: two BUY signals build a position worth about
// twice maxOrderQuote; the SELL signal that follows still sells it all.
// Sizing sizes a SELL to the whole position (leaving a position is not
// limited by the entry budget), so the risk check must not then refuse it
// for exceeding maxOrderQuote, or the position could never be left.
func TestSellAboveMaxOrderQuote(t *testing.T) {
	t.Parallel()
	const uid = "5a0c1b1e-0000-4000-8000-000000000004"
	e := startEnv(t, uid)
	store := signal.NewStore(signal.StoreOptions{})
	ex := runExecutor(t, e, Config{BotUID: uid, Name: "ns/bot4", Symbols: []string{"BTCUSDT"}, Limits: limits(), Store: store})
	price, open := lastClose(t, e, "BTCUSDT")
	for i := range 2 {
		ex.Offer(signal.Prepare(sig("BTCUSDT", signal.Buy, price, open.Add(time.Duration(i)*time.Minute))))
	}
	waitFor(t, "two filled buys", func() bool { return ex.Snapshot().Counts.Filled == 2 })
	if cost := ex.Snapshot().Ledger.Positions[0].CostBasis; !cost.GreaterThan(limits().MaxOrderQuote) {
		t.Fatalf("position cost %s, want more than maxOrderQuote %s", cost, limits().MaxOrderQuote)
	}
	sell := sig("BTCUSDT", signal.Sell, price, open.Add(2*time.Minute))
	store.Put(sell)
	ex.Offer(signal.Prepare(sell))
	waitFor(t, "the sell to be handled", func() bool {
		en, _ := store.Get(sell.ID())
		return en.State == signal.StateActed || en.State == signal.StateIgnored || en.State == signal.StateFailed
	})
	if en, _ := store.Get(sell.ID()); en.State != signal.StateActed || !strings.Contains(en.Note, "FILLED") {
		t.Fatalf("sell entry %s: %s, want Acted and filled", en.State, en.Note)
	}
	step := filtersOf(t, e, "BTCUSDT").LotSize.StepSize
	if q := ex.Snapshot().Ledger.Positions[0].Qty; !q.LessThan(step) {
		t.Errorf("position %s after the sell, want less than one lot step", q)
	}
}
