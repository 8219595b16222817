package trading

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
)

// minuteOpens is a narrow fake: only OpenAt answers, from a table keyed
// by market and minute; every other method of Exchange panics (nil
// interface), so the test proves convertFees needs nothing else.
type minuteOpens struct {
	Exchange
	prices map[string]decimal.Decimal
	asked  []string
}

func (m *minuteOpens) OpenAt(_ context.Context, symbol string, at time.Time) (decimal.Decimal, error) {
	key := symbol + "@" + at.UTC().Format("15:04")
	m.asked = append(m.asked, key)
	p, ok := m.prices[key]
	if !ok {
		return decimal.Decimal{}, errors.New("no such market")
	}
	return p, nil
}

// TestConvertFeesInAThirdAsset: a fee paid in BNB is charged at BNBUSDT's
// open in the minute of its trade, once; a fee whose market does not
// exist stays pending without holding the others back.
func TestConvertFeesInAThirdAsset(t *testing.T) {
	day := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	l, err := ledger.New("USDT", ledger.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": decimal.NewFromInt(60000)}); err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	fills := []ledger.Fill{
		{TradeID: 1, Symbol: "BTCUSDT", Side: ledger.Buy, Price: d("60000"), Qty: d("0.001"),
			Commission: d("0.0001"), CommissionAsset: "BNB", Time: day.Add(10*time.Hour + 30*time.Second)},
		{TradeID: 2, Symbol: "BTCUSDT", Side: ledger.Sell, Price: d("61000"), Qty: d("0.001"),
			Commission: d("0.5"), CommissionAsset: "NOPE", Time: day.Add(10*time.Hour + 40*time.Second)},
		{TradeID: 3, Symbol: "BTCUSDT", Side: ledger.Buy, Price: d("60500"), Qty: d("0.001"),
			Commission: d("0.0002"), CommissionAsset: "BNB", Time: day.Add(11 * time.Hour)},
	}
	for _, f := range fills {
		if _, err := l.Apply(f); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(l.PendingFees()); n != 3 {
		t.Fatalf("%d pending fees, want 3", n)
	}
	x := &minuteOpens{prices: map[string]decimal.Decimal{"BNBUSDT@10:00": d("600"), "BNBUSDT@11:00": d("610")}}
	e := &Executor{cfg: Config{Exchange: x, Logger: logr.Discard()}, st: &state{quote: "USDT", ledger: l}}
	now := day.Add(12 * time.Hour)
	e.convertFees(context.Background(), now)

	// 0.0001×600 + 0.0002×610 = 0.06 + 0.122
	if got, want := l.Snapshot().Totals.Fees, d("0.182"); !got.Equal(want) {
		t.Errorf("fees %s, want %s", got, want)
	}
	left := l.PendingFees()
	if len(left) != 1 || left[0].Asset != "NOPE" {
		t.Fatalf("pending after conversion: %+v, want the NOPE fee only", left)
	}
	if e.st.feesAt != now.Add(feeRetry) {
		t.Errorf("retry at %v, want %v", e.st.feesAt, now.Add(feeRetry))
	}
	// Not asked again before the retry time; asked again after it.
	asked := len(x.asked)
	e.convertFees(context.Background(), now.Add(time.Second))
	if len(x.asked) != asked {
		t.Errorf("asked for prices again before the retry time: %v", x.asked[asked:])
	}
	e.convertFees(context.Background(), now.Add(feeRetry))
	if len(x.asked) != asked+1 || x.asked[asked] != "NOPEUSDT@10:00" {
		t.Errorf("after the retry time asked %v, want NOPEUSDT@10:00 once", x.asked[asked:])
	}
	if got := l.Snapshot().Totals.Fees; !got.Equal(d("0.182")) {
		t.Errorf("fees changed to %s on the retry: converted twice", got)
	}
}
