package exchange

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adshao/go-binance/v2"
)

// TestBreakerTripsAndRecovers: failures of the exchange itself open the
// breaker, which then refuses calls without sending them, lets one probe
// through once OpenDuration has passed, and closes when it succeeds.
func TestBreakerTripsAndRecovers(t *testing.T) {
	tests := []struct {
		name       string
		faults     string
		wantStatus int
	}{
		{"timeouts", `{"restLatencyMs": 2000}`, 0},
		{"503 burst", `{"restErrorRate": 1, "restErrorStatus": 503}`, http.StatusServiceUnavailable},
		{"500 burst", `{"restErrorRate": 1, "restErrorStatus": 500}`, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := startSim(t, nil)
			var changes atomic.Int64
			reg := newRegistry(t, RegistryOptions{RequestTimeout: 100 * time.Millisecond,
				OnChange: func(string) { changes.Add(1) }})
			ep := reg.Endpoint(sim.urls())
			settings := BreakerSettings{FailureThreshold: 3, OpenDuration: 300 * time.Millisecond, HalfOpenMaxRequests: 1}
			p := CallPolicy{Breaker: settings, Retry: RetryPolicy{MaxAttempts: 1}}
			ctx := ctxTimeout(t)

			if err := ep.Ping(ctx, p); err != nil {
				t.Fatalf("healthy ping: %v", err)
			}
			sim.setFaults(t, tt.faults)
			for i := 1; i <= 3; i++ {
				err := ep.Ping(ctx, p)
				xe := errorOf(t, err)
				if xe.Class != ClassTransient || xe.Status != tt.wantStatus || errors.Is(err, ErrCircuitOpen) {
					t.Fatalf("failure %d: %v (class %v, status %d), want a transient failure with status %d", i, err, xe.Class, xe.Status, tt.wantStatus)
				}
			}
			st := ep.BreakerStatus(settings)
			if st.State != BreakerOpen || st.Failures != 3 || st.OpenUntil.IsZero() {
				t.Fatalf("after 3 failures: %+v, want Open with 3 failures", st)
			}
			if got := ep.State().Breakers[settings.Key()]; got.State != BreakerOpen {
				t.Fatalf("State().Breakers[%q] = %+v, want Open", settings.Key(), got)
			}
			if changes.Load() == 0 {
				t.Fatal("OnChange was not called when the breaker opened")
			}

			sent := sim.requests(t, "/api/v3/ping")
			err := ep.Ping(ctx, p)
			if !errors.Is(err, ErrCircuitOpen) || ClassOf(err) != ClassTransient {
				t.Fatalf("ping while open: %v, want ErrCircuitOpen", err)
			}
			if got := sim.requests(t, "/api/v3/ping"); got != sent {
				t.Fatalf("an open breaker sent a request: %d pings, want %d", got, sent)
			}

			sim.setFaults(t, `{}`)
			time.Sleep(settings.OpenDuration) // gobreaker reads the real clock
			if st := ep.BreakerStatus(settings); st.State != BreakerHalfOpen {
				t.Fatalf("after OpenDuration: %+v, want HalfOpen", st)
			}
			if err := ep.Ping(ctx, p); err != nil {
				t.Fatalf("probe: %v", err)
			}
			if st := ep.BreakerStatus(settings); st.State != BreakerClosed || st.Failures != 0 {
				t.Fatalf("after a successful probe: %+v, want Closed with 0 failures", st)
			}
			if other := ep.BreakerStatus(BreakerSettings{FailureThreshold: 9}); other.State != BreakerClosed {
				t.Fatalf("a breaker with other settings is %v, want Closed (untouched)", other.State)
			}
		})
	}
}

// TestBreakerIgnoresRejectionsAndCancellation: an exchange that refuses a
// request is up; a caller that gives up says nothing about the exchange.
func TestBreakerIgnoresRejectionsAndCancellation(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	settings := BreakerSettings{FailureThreshold: 2, OpenDuration: time.Minute}
	p := CallPolicy{Breaker: settings, Retry: RetryPolicy{MaxAttempts: 1}}

	for i := range 5 {
		_, err := ep.Klines(ctxTimeout(t), p, "NOPEUSDT", "1m", time.Time{}, 10)
		xe := errorOf(t, err)
		if xe.Class != ClassRejected || xe.Code != codeBadSymbol || xe.Status != http.StatusBadRequest {
			t.Fatalf("klines of an unknown symbol (%d): %v, want rejected -1121", i, err)
		}
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		if err := ep.Ping(canceled, p); ClassOf(err) != ClassCanceled {
			t.Fatalf("ping with a canceled context: %v, want class canceled", err)
		}
	}
	sim.setFaults(t, `{"restLatencyMs": 5000}`)
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := ep.Ping(ctx, p)
		cancel()
		if ClassOf(err) != ClassCanceled {
			t.Fatalf("ping past the caller's deadline: %v, want class canceled", err)
		}
	}
	if st := ep.BreakerStatus(settings); st.State != BreakerClosed || st.Failures != 0 {
		t.Fatalf("breaker %+v, want Closed with no failures", st)
	}
}

// TestRetries: idempotent reads are retried on failures of the exchange,
// other calls never; rejections are not retried either.
func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		faults     string
		idempotent bool
		path       string
		fn         func(ctx context.Context, c *binance.Client) error
		wantSent   int64
		wantClass  ErrorClass
	}{
		{"read retried on 503", `{"restErrorRate": 1, "restErrorStatus": 503}`, true, "/api/v3/ping",
			func(ctx context.Context, c *binance.Client) error { return c.NewPingService().Do(ctx) }, 4, ClassTransient},
		{"non-idempotent call not retried", `{"restErrorRate": 1, "restErrorStatus": 503}`, false, "/api/v3/ping",
			func(ctx context.Context, c *binance.Client) error { return c.NewPingService().Do(ctx) }, 1, ClassTransient},
		{"rejection not retried", `{}`, true, "/api/v3/klines",
			func(ctx context.Context, c *binance.Client) error {
				_, err := c.NewKlinesService().Symbol("NOPEUSDT").Interval("1m").Do(ctx)
				return err
			}, 1, ClassRejected},
		{"success sent once", `{}`, true, "/api/v3/ping",
			func(ctx context.Context, c *binance.Client) error { return c.NewPingService().Do(ctx) }, 1, ClassNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := startSim(t, nil)
			reg := newRegistry(t, RegistryOptions{})
			ep := reg.Endpoint(sim.urls())
			sim.setFaults(t, tt.faults)
			p := CallPolicy{Retry: RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond},
				Breaker: BreakerSettings{FailureThreshold: 100}}
			err := ep.Do(ctxTimeout(t), p, Call{Path: tt.path, Weight: 1, Idempotent: tt.idempotent, Fn: tt.fn})
			if got := ClassOf(err); got != tt.wantClass {
				t.Fatalf("error %v has class %v, want %v", err, got, tt.wantClass)
			}
			if got := sim.requests(t, tt.path); got != tt.wantSent {
				t.Fatalf("%s sent %d times, want %d", tt.path, got, tt.wantSent)
			}
			if got := ep.State().Requests; got != tt.wantSent {
				t.Fatalf("State().Requests = %d, want %d", got, tt.wantSent)
			}
		})
	}
}

// TestErrorCarriesWhatHappened: the error of a failed call says the path,
// the HTTP status and Binance's code, and never the signed query.
func TestErrorCarriesWhatHappened(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{RequestTimeout: 50 * time.Millisecond})
	ep := reg.Endpoint(sim.urls())
	p := CallPolicy{Retry: RetryPolicy{MaxAttempts: 1}}
	sim.setFaults(t, `{"restErrorRate": 1, "restErrorStatus": 503}`)
	xe := errorOf(t, ep.Ping(ctxTimeout(t), p))
	if xe.Path != "/api/v3/ping" || xe.Status != 503 || xe.Code != -1008 || xe.Class != ClassTransient {
		t.Fatalf("error = %+v, want /api/v3/ping, 503, -1008, transient", xe)
	}

	sim.setFaults(t, `{"restLatencyMs": 1000}`)
	acct := reg.Account(ep, demoCreds())
	_, err := acct.Balances(ctxTimeout(t), p)
	if ClassOf(err) != ClassTransient || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed-out signed call: %v, want a transient deadline error", err)
	}
	for _, leak := range []string{"signature", "timestamp=", "?"} {
		if msg := err.Error(); strings.Contains(msg, leak) {
			t.Fatalf("error %q shows %q of the signed query", msg, leak)
		}
	}
}
