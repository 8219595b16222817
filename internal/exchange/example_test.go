package exchange_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// Many bots share one Endpoint: their price requests become one request.
func ExampleEndpoint_Prices() {
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	sim, _ := exchangesim.New(cfg)
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()

	reg := exchange.NewRegistry(exchange.RegistryOptions{PriceTTL: time.Minute})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: srv.URL})

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := ep.Prices(context.Background(), exchange.CallPolicy{}, []string{"BTCUSDT", "ETHUSDT"}); err != nil {
				fmt.Println(err)
			}
		})
	}
	wg.Wait()
	st := sim.Stats()
	fmt.Println("ticker/price requests:", st.Requests["/api/v3/ticker/price"])
	fmt.Println("weight charged:", st.UsedWeight["127.0.0.1"])
	// Output:
	// ticker/price requests: 1
	// weight charged: 24
}

// Gather runs fan-out work with bounded concurrency and keeps the order.
func ExampleGather() {
	square := func(n int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { return n * n, nil }
	}
	out, err := exchange.Gather(context.Background(), 2, square(1), square(2), square(3))
	fmt.Println(out, err)
	// Output: [1 4 9] <nil>
}
