package eventbudget_test

import (
	"fmt"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/eventbudget"
)

func Example() {
	b := eventbudget.New(eventbudget.Options{Burst: 2, Every: time.Minute})
	start := time.Date(2026, 3, 1, 10, 4, 0, 0, time.UTC)

	// A strategy signals BUY every 5 seconds for a minute.
	for i := range 13 {
		now := start.Add(time.Duration(i) * 5 * time.Second)
		if d := b.Allow("BTCUSDT/BUY", now); d.Emit {
			fmt.Printf("%s BUY BTCUSDT%s\n", now.Format("15:04:05"), d.Suffix())
		}
	}
	fmt.Println("suppressed:", b.Suppressed())
	// Output:
	// 10:04:00 BUY BTCUSDT
	// 10:04:05 BUY BTCUSDT
	// 10:05:00 BUY BTCUSDT (and 10 more since 10:04:10 UTC)
	// suppressed: 10
}
