package ledger_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
)

func Example() {
	btc := ledger.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT"}
	l, err := ledger.New("USDT", btc)
	if err != nil {
		panic(err)
	}
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	d := decimal.RequireFromString
	_ = l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("60000")})

	// A buy whose fee was taken in BTC, then a sell whose fee was in BNB.
	_, _ = l.Apply(ledger.Fill{TradeID: 1, Symbol: "BTCUSDT", Side: ledger.Buy, Price: d("60000"), Qty: d("0.01"),
		Commission: d("0.00001"), CommissionAsset: "BTC", Time: day.Add(time.Hour)})
	_, _ = l.Apply(ledger.Fill{TradeID: 2, Symbol: "BTCUSDT", Side: ledger.Sell, Price: d("61000"), Qty: d("0.005"),
		Commission: d("0.0005"), CommissionAsset: "BNB", Time: day.Add(2 * time.Hour)})
	for _, p := range l.PendingFees() {
		_ = l.ConvertFee(p.Symbol, p.TradeID, d("600")) // BNB at 600 USDT
	}
	_ = l.Mark("BTCUSDT", d("62000"))

	p, _ := l.Position("BTCUSDT")
	fmt.Println("qty", p.Qty, "avg", p.AvgEntry)
	fmt.Println("realized", p.Realized, "unrealized", p.Unrealized, "fees", p.Fees)
	_, pnl := l.DayPnL()
	fmt.Println("day", pnl)
	// Output:
	// qty 0.00499 avg 60000
	// realized 4.1 unrealized 9.98 fees 0.9
	// day 14.08
}
