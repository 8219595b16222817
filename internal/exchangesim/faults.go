package exchangesim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Faults is the fault state set with POST /sim/v1/faults. A POST replaces
// the whole state, so {} clears every fault. DropWebsockets and BanSeconds
// are actions taken when posted; the others last until changed.
type Faults struct {
	// RestLatencyMs delays every REST request before it is handled.
	RestLatencyMs int `json:"restLatencyMs,omitempty"`
	// RestErrorRate (0-1) is the share of REST requests answered with
	// RestErrorStatus (429, 500, 502, 503 or 504; 503 when zero). A 504 is
	// returned after the request was executed, like a gateway timeout whose
	// outcome is unknown; the others before. A 429 is Binance's answer to a
	// client over its request weight (-1003, Retry-After: 1), whatever the
	// client's real usage: a client that ignores it is not banned for it.
	RestErrorRate   float64 `json:"restErrorRate,omitempty"`
	RestErrorStatus int     `json:"restErrorStatus,omitempty"`
	// DropWebsockets closes every stream and WebSocket API connection now.
	DropWebsockets bool `json:"dropWebsockets,omitempty"`
	// StallStreams keeps WebSocket connections open and answering but sends
	// no market data or user-data events; what happens meanwhile is dropped,
	// not delivered when the stall ends.
	StallStreams bool `json:"stallStreams,omitempty"`
	// ClockOffsetMs shifts the server's clock (serverTime and the
	// recvWindow check).
	ClockOffsetMs int64 `json:"clockOffsetMs,omitempty"`
	// BanSeconds bans every client IP (418) for this long from now; a
	// fraction is allowed, so tests can ban for milliseconds.
	BanSeconds float64 `json:"banSeconds,omitempty"`
}

const (
	maxFaultLatency = time.Minute
	maxClockOffset  = 24 * time.Hour
	maxBan          = 72 * time.Hour
)

func (f Faults) validate() error {
	var errs []error
	if f.RestLatencyMs < 0 || time.Duration(f.RestLatencyMs)*time.Millisecond > maxFaultLatency {
		errs = append(errs, fmt.Errorf("restLatencyMs %d must be between 0 and %d", f.RestLatencyMs, maxFaultLatency.Milliseconds()))
	}
	if !(f.RestErrorRate >= 0 && f.RestErrorRate <= 1) {
		errs = append(errs, fmt.Errorf("restErrorRate %v must be between 0 and 1", f.RestErrorRate))
	}
	switch f.RestErrorStatus {
	case 0, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	default:
		errs = append(errs, fmt.Errorf("restErrorStatus %d must be 429, 500, 502, 503 or 504", f.RestErrorStatus))
	}
	if off := f.ClockOffsetMs; off < -maxClockOffset.Milliseconds() || off > maxClockOffset.Milliseconds() {
		errs = append(errs, fmt.Errorf("clockOffsetMs %d must be within ±%d", off, maxClockOffset.Milliseconds()))
	}
	if !(f.BanSeconds >= 0 && f.BanSeconds <= maxBan.Seconds()) {
		errs = append(errs, fmt.Errorf("banSeconds %v must be between 0 and %v", f.BanSeconds, maxBan.Seconds()))
	}
	return errors.Join(errs...)
}

// errorStatus is the status of injected errors.
func (f Faults) errorStatus() int {
	if f.RestErrorStatus == 0 {
		return http.StatusServiceUnavailable
	}
	return f.RestErrorStatus
}

// injectedError is the Binance body of an injected server error.
func injectedError(status int) *apierr.Error {
	switch status {
	case http.StatusTooManyRequests:
		return apierr.New(status, -1003, "Too much request weight used; please use WebSocket Streams for live updates to avoid polling the API.")
	case http.StatusInternalServerError:
		return apierr.New(status, apierr.CodeUnknown, "An unknown error occurred while processing the request.")
	case http.StatusBadGateway:
		return apierr.New(status, -1001, "Internal error; unable to process your request. Please try again.")
	case http.StatusGatewayTimeout:
		return apierr.New(status, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
	default:
		return apierr.New(status, -1008, "Server is currently overloaded with other requests. Please try again in a few minutes.")
	}
}

// dice draws the random numbers of error injection from the Simulator's
// seeded source, so a run with the same seed and request order fails the
// same requests.
type dice struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newDice(seed int64) *dice {
	return &dice{rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
}

// hit reports whether an event of probability p happens.
func (d *dice) hit(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.Float64() < p
}

// wait sleeps for the injected latency or until the request is abandoned.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reset drops accounts, orders, limits, faults and statistics, keeps symbols
// and prices, and creates the start accounts again.
func (s *Simulator) reset() error {
	if err := s.applyFaults(Faults{}); err != nil {
		return err
	}
	s.engine.Reset()
	s.accounts.reset()
	s.limiter.Reset()
	s.stats.reset()
	return s.createStartAccounts()
}

// applyFaults replaces the fault state and takes its actions.
func (s *Simulator) applyFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.faults.Store(&f)
	s.clockOffset.Store(f.ClockOffsetMs)
	s.streams.SetStalled(f.StallStreams)
	s.wsapi.SetStalled(f.StallStreams)
	if f.DropWebsockets {
		s.streams.DropAll()
		s.wsapi.DropAll()
	}
	s.limiter.BanAll(time.Duration(f.BanSeconds * float64(time.Second)))
	return nil
}
