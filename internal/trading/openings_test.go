package trading

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// TestRestartCarriesOpenings: an executor given the openings an earlier
// process persisted, two days old, carries them over both midnights and
// adds today's trades; a restart given its openings reports the same
// position, entry, lifetime realized PnL and fees; a restart given none
// can only estimate them.
func TestRestartCarriesOpenings(t *testing.T) {
	t.Parallel()
	const uid = "5a0c1b1e-0000-4000-8000-000000000003"
	e := startEnv(t, uid)
	today := ledger.DayStart(time.Now())
	if time.Since(today) < 2*time.Minute || time.Until(today.Add(24*time.Hour)) < 2*time.Minute {
		t.Log("close to midnight: the day may change under the test")
	}
	d := decimal.RequireFromString
	persisted := ledger.Opening{Symbol: "BTCUSDT", Qty: d("0.001"), CostBasis: d("50"), Realized: d("-3.5"),
		Fees: d("1.25"), DayStartPrice: d("49000"), LastTradeID: 0}
	cfg := Config{BotUID: uid, Name: "ns/bot3", Symbols: []string{"BTCUSDT"}, Limits: limits(),
		Openings: []ledger.Opening{persisted}, OpeningsDay: today.Add(-48 * time.Hour)}
	first := runExecutor(t, e, cfg)
	waitFor(t, "the first executor to start", func() bool { s := first.Snapshot(); return !s.Starting || s.Error != "" })
	if s := first.Snapshot(); s.Error != "" {
		t.Fatal(s.Error)
	}
	carried := first.Snapshot().Ledger.Positions[0]
	if !carried.Qty.Equal(persisted.Qty) || !carried.CostBasis.Equal(persisted.CostBasis) || carried.EntryEstimated ||
		!carried.Realized.Equal(persisted.Realized) || !carried.Fees.Equal(persisted.Fees) {
		t.Fatalf("carried over two midnights: %s; want the persisted opening's quantity, cost and lifetime figures", carried)
	}
	if sn := first.Snapshot(); !sn.Ledger.Day.Equal(today) || len(sn.Openings) != 1 || !sn.Openings[0].CostBasis.Equal(persisted.CostBasis) {
		t.Fatalf("day %s, openings %+v; want today's opening to keep the persisted cost", sn.Ledger.Day, sn.Openings)
	}

	price, open := lastClose(t, e, "BTCUSDT")
	first.Offer(signal.Prepare(sig("BTCUSDT", signal.Buy, price, open)))
	waitFor(t, "a filled buy", func() bool { return first.Snapshot().Counts.Filled == 1 })
	waitFor(t, "the buy in the books", func() bool {
		return first.Snapshot().Ledger.Positions[0].Qty.GreaterThan(persisted.Qty)
	})
	before := first.Snapshot()
	want := before.Ledger.Positions[0]

	cfg.Openings, cfg.OpeningsDay = before.Openings, before.Ledger.Day
	second := runExecutor(t, e, cfg)
	waitFor(t, "the second executor to start", func() bool { s := second.Snapshot(); return !s.Starting || s.Error != "" })
	if s := second.Snapshot(); s.Error != "" {
		t.Fatal(s.Error)
	}
	got := second.Snapshot().Ledger.Positions[0]
	if !got.Qty.Equal(want.Qty) || !got.CostBasis.Equal(want.CostBasis) || !got.AvgEntry.Equal(want.AvgEntry) ||
		!got.Realized.Equal(want.Realized) || !got.Fees.Equal(want.Fees) || got.EntryEstimated != want.EntryEstimated ||
		!got.DayStartPrice.Equal(want.DayStartPrice) || !got.DayRealized.Equal(want.DayRealized) || !got.DayFees.Equal(want.DayFees) {
		t.Errorf("after a restart with the openings:\n got %s\nwant %s", got, want)
	}

	// Without them the restart knows only today's trades and the balance.
	cfg.Openings, cfg.OpeningsDay = nil, time.Time{}
	third := runExecutor(t, e, cfg)
	waitFor(t, "the third executor to start", func() bool { s := third.Snapshot(); return !s.Starting || s.Error != "" })
	if est := third.Snapshot().Ledger.Positions[0]; est.Realized.Equal(want.Realized) {
		t.Errorf("without openings the lifetime realized PnL is still %s: the openings test proves nothing", est.Realized)
	}
}

// TestStaleOpeningsIgnored: openings older than maxCatchUp, or of a day
// that is not a past midnight, are not used.
func TestStaleOpeningsIgnored(t *testing.T) {
	today := ledger.DayStart(time.Now())
	op := []ledger.Opening{{Symbol: "BTCUSDT"}}
	for _, day := range []time.Time{today.Add(-maxCatchUp - 24*time.Hour), today.Add(24 * time.Hour), today.Add(time.Hour)} {
		e := &Executor{cfg: Config{Openings: op, OpeningsDay: day}}
		if from, got := e.usableOpenings(today); got != nil || !from.Equal(today) {
			t.Errorf("openings of %s: used (%v from %s)", day, got, from)
		}
	}
	e := &Executor{cfg: Config{Openings: op, OpeningsDay: today.Add(-maxCatchUp)}}
	if from, got := e.usableOpenings(today); len(got) != 1 || !from.Equal(today.Add(-maxCatchUp)) {
		t.Errorf("openings exactly maxCatchUp old: %v from %s; want used", got, from)
	}
}
