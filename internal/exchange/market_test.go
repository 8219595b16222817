package exchange

import (
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// TestKlines reads closed candles for a backfill: in order, one interval
// apart, from the start asked for, in exact decimals.
func TestKlines(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(30 * time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	start := minuteStart.Add(-10 * time.Minute)

	ks, err := ep.Klines(ctxTimeout(t), CallPolicy{}, "BTCUSDT", "1m", start, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 5 {
		t.Fatalf("%d klines, want 5", len(ks))
	}
	for i, k := range ks {
		open := start.Add(time.Duration(i) * time.Minute)
		if !k.OpenTime.Equal(open) || !k.CloseTime.Equal(open.Add(time.Minute-time.Millisecond)) {
			t.Fatalf("kline %d spans %v–%v, want %v–%v", i, k.OpenTime, k.CloseTime, open, open.Add(time.Minute-time.Millisecond))
		}
		if k.High.LessThan(k.Low) || k.Open.LessThan(k.Low) || k.Open.GreaterThan(k.High) ||
			k.Close.LessThan(k.Low) || k.Close.GreaterThan(k.High) || !k.Low.IsPositive() || k.Volume.IsNegative() {
			t.Fatalf("kline %d is not a candle: %+v", i, k)
		}
	}
	if w := sim.usedWeight(t); w != weightKlines {
		t.Fatalf("weight %d, want %d", w, weightKlines)
	}
}

func TestServerTime(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	sim.setFaults(t, `{"clockOffsetMs": 5000}`)
	offset, rtt, err := ep.ServerTime(ctxTimeout(t), CallPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	// The simulator reports whole milliseconds; the estimate is off by at
	// most half the round trip plus that millisecond.
	if d := (offset - 5*time.Second).Abs(); d > rtt/2+time.Millisecond {
		t.Fatalf("offset %v (round trip %v), want 5s", offset, rtt)
	}
	if got := ep.State().ClockOffset; got != offset {
		t.Fatalf("State().ClockOffset = %v, want %v", got, offset)
	}
}
