package exchange

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// The figures of `make bench`. Each benchmark runs its scenario once per
// iteration and prints `name: value` lines; run them once each:
//
//	go test -run '^$' -bench Figure -benchtime 1x ./internal/exchange/
//
// Figures that compare two ways of doing the same work measure both in the
// same iteration.

// unlimited lifts the simulator's limits out of the way of a scenario that
// measures something else.
func unlimited(c *exchangesim.Config) {
	c.WeightLimit, c.RawRequestLimit = 1<<40, 1<<40
}

// BenchmarkFigureBatching: 1 000 bots each want the prices of the same 50
// symbols every second for a minute. Naively each bot sends its own
// ticker/price?symbols=[…] request (weight 4); through an Endpoint their
// calls are coalesced. The simulated minute is compressed: a clock shared
// by the simulator and the registry steps one second per round, and the
// rounds run as fast as the machine allows. The figure is the weight the
// simulator charged the naive bots divided by what it charged ours.
func BenchmarkFigureBatching(b *testing.B) {
	const bots, rounds = 1000, 60
	symbols := extraSymbols(50)
	names := symbolNames(symbols)
	var ratio float64
	for range b.N {
		naive := func() int {
			clk := newFakeClock(minuteStart)
			sim := startSim(b, func(c *exchangesim.Config) { unlimited(c); c.Symbols = symbols; c.Now = clk.Now })
			tr := NewTransport(TransportOptions{})
			defer tr.CloseIdleConnections()
			client := NewRESTClient(sim.srv.URL, nil, &http.Client{Transport: tr, Timeout: time.Minute})
			ask := make([]func(context.Context) (struct{}, error), bots)
			for i := range ask {
				ask[i] = func(ctx context.Context) (struct{}, error) {
					_, err := client.NewListPricesService().Symbols(names).Do(ctx)
					return struct{}{}, err
				}
			}
			for range rounds {
				if _, err := Gather(context.Background(), 64, ask...); err != nil {
					b.Fatal(err)
				}
				clk.Advance(time.Second)
			}
			clk.Advance(-time.Second) // the minute's count, not the next one's
			return sim.usedWeight(b)
		}()
		ours := func() int {
			clk := newFakeClock(minuteStart)
			sim := startSim(b, func(c *exchangesim.Config) { unlimited(c); c.Symbols = symbols; c.Now = clk.Now })
			reg := NewRegistry(RegistryOptions{Now: clk.Now}) // batch windows in real time
			defer reg.Close()
			ep := reg.Endpoint(sim.urls())
			for range rounds {
				var wg sync.WaitGroup
				var failed atomic.Int64
				for range bots {
					wg.Go(func() {
						if _, err := ep.Prices(context.Background(), CallPolicy{}, names); err != nil {
							failed.Add(1)
						}
					})
				}
				wg.Wait()
				if failed.Load() > 0 {
					b.Fatalf("%d Prices calls failed", failed.Load())
				}
				clk.Advance(time.Second)
			}
			clk.Advance(-time.Second)
			return sim.usedWeight(b)
		}()
		ratio = float64(naive) / float64(ours)
		fmt.Printf("batching.naive_weight: %d\nbatching.our_weight: %d\n", naive, ours)
	}
	b.ReportMetric(ratio, "weight_ratio")
	fmt.Printf("batching.weight_ratio: %.1f\n", ratio)
}

// scaledClock runs speed times faster than real time, from start.
type scaledClock struct {
	start, realStart time.Time
	speed            float64
}

func (c scaledClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.realStart)) * c.speed))
}

func (c scaledClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(d) / c.speed))
}

// BenchmarkFigureLimits: callers want ten times the weight the simulator
// allows, for five minutes, and must earn no 429 and no 418 while using as
// much of the budget as they may. So that five saturated minutes do not
// take five real ones, the simulator and the registry share a clock that
// runs 60 times faster than real time (a simulated minute is a real
// second); utilization is the weight the simulator charged divided by the
// weight its limit allowed over those minutes.
func BenchmarkFigureLimits(b *testing.B) {
	const (
		limit   = 1200 // weight per minute
		minutes = 5
		speed   = 60
		callers = 100 // each wants a ping every half second: 12 000 a minute
		every   = 500 * time.Millisecond
	)
	var limited, banned int64
	var utilization float64
	for range b.N {
		// Start a little before a minute turns, so the measured minutes are
		// whole ones.
		clk := scaledClock{start: minuteStart.Add(-2 * time.Second), realStart: time.Now(), speed: speed}
		sim := startSim(b, func(c *exchangesim.Config) { c.WeightLimit = limit; c.Now = clk.Now })
		reg := NewRegistry(RegistryOptions{Now: clk.Now, After: clk.After})
		ep := reg.Endpoint(sim.urls())
		if _, err := ep.ExchangeInfo(context.Background(), CallPolicy{}); err != nil {
			b.Fatal(err)
		}
		c := clock{now: clk.Now, after: clk.After}
		_ = c.sleep(context.Background(), minuteStart.Sub(clk.Now()))
		ctx, stop := context.WithCancel(context.Background())
		before := sim.stats(b).Requests["/api/v3/ping"]
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				next := minuteStart.Add(time.Duration(i) * every / callers)
				for ctx.Err() == nil {
					_ = c.sleep(ctx, next.Sub(clk.Now()))
					_ = ep.Ping(ctx, CallPolicy{Retry: RetryPolicy{MaxAttempts: 1}})
					next = next.Add(every)
				}
			})
		}
		_ = c.sleep(context.Background(), minuteStart.Add(minutes*time.Minute).Sub(clk.Now()))
		stop()
		wg.Wait()
		stats := sim.stats(b)
		reg.Close()
		// A ping costs 1; the few sent as the last minute ended count as
		// used, which can only flatter the figure by a handful.
		used := stats.Requests["/api/v3/ping"] - before
		utilization = float64(used) / float64(limit*minutes)
		limited, banned = stats.RateLimited429, stats.Banned418
	}
	b.ReportMetric(float64(limited), "rate_limited_429")
	b.ReportMetric(float64(banned), "banned_418")
	b.ReportMetric(utilization, "budget_utilization")
	fmt.Printf("limits.rate_limited_429: %d\nlimits.banned_418: %d\nlimits.budget_utilization: %.3f\n", limited, banned, utilization)
}

// BenchmarkFigurePooling: pings per second over TLS through our pooled
// transport, and through the same transport opening a new connection (and
// TLS handshake) per request, by the same number of callers for the same
// time.
func BenchmarkFigurePooling(b *testing.B) {
	const (
		callers = 8
		period  = 2 * time.Second
	)
	var speedup float64
	for range b.N {
		sim := startSim(b, unlimited)
		tlsSrv := httptest.NewUnstartedServer(sim.sim)
		tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short as the run ends
		tlsSrv.StartTLS()
		tlsConfig := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		rate := func(keepAlive bool) float64 {
			tr := NewTransport(TransportOptions{TLS: tlsConfig.Clone()})
			tr.DisableKeepAlives = !keepAlive
			defer tr.CloseIdleConnections()
			reg := NewRegistry(RegistryOptions{Transport: tr})
			defer reg.Close()
			ep := reg.Endpoint(URLs{REST: tlsSrv.URL})
			if _, err := ep.ExchangeInfo(context.Background(), CallPolicy{}); err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), period)
			defer cancel()
			var n atomic.Int64
			start := time.Now()
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					for ctx.Err() == nil {
						if err := ep.Ping(ctx, CallPolicy{}); err == nil {
							n.Add(1)
						}
					}
				})
			}
			wg.Wait()
			return float64(n.Load()) / time.Since(start).Seconds()
		}
		pooled := rate(true)
		fresh := rate(false)
		tlsSrv.Close()
		speedup = pooled / fresh
		fmt.Printf("pooling.pooled_per_sec: %.0f\npooling.new_connection_per_sec: %.0f\n", pooled, fresh)
	}
	b.ReportMetric(speedup, "speedup")
	fmt.Printf("pooling.speedup: %.1f\n", speedup)
}
