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

// Bots starting together warm up on one request per symbol and interval,
// and never see the kline still open.
func ExampleEndpoint_RecentClosedKlines() {
	// One stopped clock for the simulator and the registry, so that no
	// kline closes while the example runs.
	now := time.Date(2026, 7, 1, 12, 0, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	cfg.Now = clock
	sim, _ := exchangesim.New(cfg)
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()

	reg := exchange.NewRegistry(exchange.RegistryOptions{Now: clock})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: srv.URL})

	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			ks, err := ep.RecentClosedKlines(context.Background(), exchange.CallPolicy{}, "BTCUSDT", "1m", 20, now)
			if err != nil || len(ks) != 20 || !ks[19].CloseTime.Before(now) {
				fmt.Println("unexpected:", len(ks), err)
			}
		})
	}
	wg.Wait()
	ks, _ := ep.RecentClosedKlines(context.Background(), exchange.CallPolicy{}, "BTCUSDT", "1m", 3, now)
	for _, k := range ks {
		fmt.Println(k.OpenTime.Format("15:04"), "to", k.CloseTime.Format("15:04:05.000"))
	}
	fmt.Println("klines requests:", sim.Stats().Requests["/api/v3/klines"])
	// Output:
	// 11:57 to 11:57:59.999
	// 11:58 to 11:58:59.999
	// 11:59 to 11:59:59.999
	// klines requests: 1
}
