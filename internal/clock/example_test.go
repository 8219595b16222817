package clock_test

import (
	"fmt"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
)

func ExampleFake() {
	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	deadline := c.Now().Add(time.Minute)
	expired := func(now func() time.Time) bool { return !now().Before(deadline) }

	fmt.Println(expired(c.Now))
	c.Advance(time.Minute)
	fmt.Println(expired(c.Now))
	// Output:
	// false
	// true
}
