package exchange

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/adshao/go-binance/v2"
)

const (
	pathExchangeInfo   = "/api/v3/exchangeInfo"
	weightExchangeInfo = 20
)

// infoCache holds an endpoint's exchangeInfo.
type infoCache struct {
	mu     sync.Mutex
	entry  *infoEntry
	flight *flight[*infoEntry]
	gen    uint64 // numbers flights, so an abandoned one never clears its successor
}

// infoEntry is one exchangeInfo answer and what is looked up in it often.
type infoEntry struct {
	info   *binance.ExchangeInfo
	status map[string]string // symbol → status (TRADING, BREAK, …)
	at     time.Time
}

// ExchangeInfo returns the full exchangeInfo, cached for the registry's
// ExchangeInfoTTL; concurrent callers share one request. A refresh applies
// the rate limits it lists to the endpoint. The result is shared: do not
// modify it.
func (e *Endpoint) ExchangeInfo(ctx context.Context, p CallPolicy) (*binance.ExchangeInfo, error) {
	entry, err := e.exchangeInfo(ctx, p, e.publicCaller(p))
	if err != nil {
		return nil, err
	}
	return entry.info, nil
}

// exchangeInfo returns the cached entry, refreshing it through cl (the
// caller that finds it stale makes the request for everyone).
func (e *Endpoint) exchangeInfo(ctx context.Context, p CallPolicy, cl caller) (*infoEntry, error) {
	c := &e.info
	c.mu.Lock()
	if c.entry != nil && e.clock.now().Sub(c.entry.at) < e.reg.opts.ExchangeInfoTTL {
		entry := c.entry
		c.mu.Unlock()
		return entry, nil
	}
	f := c.flight
	if f == nil || !f.join() {
		c.gen++
		gen := c.gen
		f = startFlight(e.reg, func(ctx context.Context) (*infoEntry, error) {
			return e.fetchExchangeInfo(ctx, p, cl, gen)
		})
		c.flight = f
	}
	c.mu.Unlock()
	entry, err := f.wait(ctx)
	return entry, sharedError(pathExchangeInfo, err)
}

func (e *Endpoint) fetchExchangeInfo(ctx context.Context, p CallPolicy, cl caller, gen uint64) (*infoEntry, error) {
	var info *binance.ExchangeInfo
	err := e.run(ctx, p.withDefaults(), Call{Path: pathExchangeInfo, Weight: weightExchangeInfo, Idempotent: true, LearnsLimits: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			info, err = c.NewExchangeInfoService().Do(ctx)
			return err
		}}, cl)
	c := &e.info
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.flight = nil
	}
	if err != nil {
		return nil, err
	}
	entry := &infoEntry{info: info, status: make(map[string]string, len(info.Symbols)), at: e.clock.now()}
	for _, s := range info.Symbols {
		entry.status[s.Symbol] = s.Status
	}
	c.entry = entry
	e.setLimits(rateLimitsOf(info))
	return entry, nil
}

// rateLimitsOf reads REQUEST_WEIGHT per minute and ORDERS per 10 seconds
// and per day; zero when not listed.
func rateLimitsOf(info *binance.ExchangeInfo) (weight1m, orders10s, orders1d int) {
	for _, rl := range info.RateLimits {
		switch {
		case rl.RateLimitType == "REQUEST_WEIGHT" && rl.Interval == "MINUTE" && rl.IntervalNum == 1:
			weight1m = int(rl.Limit)
		case rl.RateLimitType == "ORDERS" && rl.Interval == "SECOND" && rl.IntervalNum == 10:
			orders10s = int(rl.Limit)
		case rl.RateLimitType == "ORDERS" && rl.Interval == "DAY" && rl.IntervalNum == 1:
			orders1d = int(rl.Limit)
		}
	}
	return weight1m, orders10s, orders1d
}

// Symbols checks symbols against the cached exchangeInfo: unknown are not
// listed, notTrading are listed with a status other than TRADING. Both are
// sorted and without duplicates.
func (e *Endpoint) Symbols(ctx context.Context, p CallPolicy, symbols []string) (unknown, notTrading []string, err error) {
	entry, err := e.exchangeInfo(ctx, p, e.publicCaller(p))
	if err != nil {
		return nil, nil, err
	}
	for _, s := range uniqueSymbols(symbols) {
		switch st, ok := entry.status[s]; {
		case !ok:
			unknown = append(unknown, s)
		case st != "TRADING":
			notTrading = append(notTrading, s)
		}
	}
	return unknown, notTrading, nil
}

// checkSymbols refuses unknown symbols before they reach a coalesced
// request, where Binance would refuse the whole list (-1121) and fail
// every bot sharing it.
func (e *Endpoint) checkSymbols(ctx context.Context, p CallPolicy, path string, symbols []string) error {
	unknown, _, err := e.Symbols(ctx, p, symbols)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		return &Error{Class: ClassRejected, Path: path, Code: codeBadSymbol, Err: fmt.Errorf("unknown symbols %v", unknown)}
	}
	return nil
}
