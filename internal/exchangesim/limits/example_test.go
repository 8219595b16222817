package limits_test

import (
	"fmt"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/limits"
)

// A fixed clock keeps the example's output stable.
func ExampleLimiter_Request() {
	now := time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)
	l := limits.New(limits.Config{WeightPerMinute: 10, Now: func() time.Time { return now }})

	fmt.Println(l.Request("192.0.2.7", 10).UsedWeight1m)
	over := l.Request("192.0.2.7", 1)
	fmt.Println(over.Err.Status, over.Err.Code, over.RetryAfter)
	banned := l.Request("192.0.2.7", 1)
	fmt.Println(banned.Err.Status, banned.RetryAfter)
	fmt.Println(banned.Err.Msg)
	// Output:
	// 10
	// 429 -1003 30s
	// 418 2m0s
	// Way too many requests; IP(192.0.2.7) banned until 1772366550000. Please use the websocket for live updates to avoid bans.
}
