package risk_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
)

// An executor asks the checker before each order, reading the ledger.
func Example() {
	d := decimal.RequireFromString
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	l, _ := ledger.New("USDT", ledger.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT"})
	_ = l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("60000")})
	c, _ := risk.NewChecker(risk.Limits{
		MaxOrderQuote: d("100"), MaxPositionQuote: d("1000"), MaxOrdersPerMinute: 10,
		Cooldown: 30 * time.Second, MaxDailyLossQuote: d("50"),
	})

	now := day.Add(9 * time.Hour)
	o := risk.Order{ID: "bot-1", Symbol: "BTCUSDT", Side: risk.Buy, Quote: d("90")}
	fmt.Println(c.Admit(now, o, l).Allowed)

	// The order fills; the ledger and the checker both learn of it.
	_, _ = l.Apply(ledger.Fill{TradeID: 1, Symbol: "BTCUSDT", Side: ledger.Buy, Price: d("60000"),
		Qty: d("0.0015"), Time: now})
	c.Filled("bot-1", d("90"))
	c.Closed("bot-1")

	o2 := risk.Order{ID: "bot-2", Symbol: "BTCUSDT", Side: risk.Buy, Quote: d("90")}
	dec := c.Admit(now.Add(10*time.Second), o2, l)
	fmt.Println(dec.Reason, dec.RetryAt.Format(time.TimeOnly))

	// The price falls far enough for the day's loss to reach the limit.
	_ = l.Mark("BTCUSDT", d("1000"))
	fmt.Println(c.Evaluate(now.Add(time.Minute), l), c.State().HaltPnL)
	// Output:
	// true
	// Cooldown 09:00:30
	// true -88.5
}
