package exchange

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/adshao/go-binance/v2"
)

// Call is one REST request made through an Endpoint.
type Call struct {
	// Path is the REST path, for errors and metrics (e.g. /api/v3/klines).
	Path string
	// Weight is the request's documented weight, reserved before sending.
	Weight int
	// Idempotent calls (reads) are retried; others only when their
	// request never left the process.
	Idempotent bool
	// LearnsLimits marks the exchangeInfo request, which may go before
	// the weight budget allows while the endpoint's limit is not known.
	LearnsLimits bool
	// Fn makes exactly one request with c and ctx.
	Fn func(ctx context.Context, c *binance.Client) error
}

// caller is who makes a call: the breaker it goes through, the client it
// signs with, and (for an account) where order-limit refusals go.
type caller struct {
	// br refuses calls while open and counts their outcomes. It is nil only
	// for the endpoint's shared health probe, which speaks for resources
	// with different breaker settings: no one of their breakers may silence
	// it, so it counts each attempt's outcome in observers instead.
	br        *breaker
	observers []*breaker
	client    func() *binance.Client
	account   *Account
}

// execute runs fn through the caller's breaker; ran says whether fn ran.
func (c caller) execute(fn func() error) (ran bool, err error) {
	if c.br != nil {
		return c.br.execute(fn)
	}
	err = fn()
	for _, b := range c.observers {
		b.observe(err)
	}
	return true, err
}

// Do makes call on the endpoint's unsigned client, in this order: the
// bot's share, the endpoint's 429 pause and 418 ban, the weight budget,
// the breaker, the request, the limit headers, one classification, and
// retries with exponential backoff and jitter, for idempotent calls and for
// others whose request never left the process (a 429's Retry-After is
// honoured by the pause every caller waits for). Every error is an *Error.
func (e *Endpoint) Do(ctx context.Context, p CallPolicy, call Call) error {
	p = p.withDefaults()
	return e.run(ctx, p, call, e.publicCaller(p))
}

// publicCaller makes unsigned calls through p's breaker.
func (e *Endpoint) publicCaller(p CallPolicy) caller {
	return caller{br: e.breakers.get(p.Breaker), client: e.publicClient}
}

// probeCaller makes the shared health probe's unsigned calls: refused by
// no breaker, counted in every one of observers.
func (e *Endpoint) probeCaller(observers []*breaker) caller {
	return caller{observers: observers, client: e.publicClient}
}

func (e *Endpoint) publicClient() *binance.Client { return e.public }

// run makes attempts until one succeeds, the error is not worth another,
// or the policy's attempts are spent. A call that is not idempotent is
// tried again only when its request provably never left the process (no
// connection was ever handed to it): one that may have reached the
// exchange is never repeated here.
func (e *Endpoint) run(ctx context.Context, p CallPolicy, call Call, c caller) error {
	bo := p.Retry.backoff()
	for attempt := 1; ; attempt++ {
		err := e.attempt(ctx, p, call, c)
		if err == nil || attempt >= p.Retry.MaxAttempts || !retryable(err) || (!call.Idempotent && mayHaveSent(err)) {
			return err
		}
		if serr := e.clock.sleep(ctx, bo.NextBackOff()); serr != nil {
			return &Error{Class: ClassCanceled, Path: call.Path, Err: fmt.Errorf("%w while retrying after: %w", serr, err)}
		}
	}
}

// retryable: failures of the exchange, and 429s (the retry then waits for
// the pause). Never an open breaker, a ban or a spent order budget.
func retryable(err error) bool {
	var xe *Error
	if !errors.As(err, &xe) || errors.Is(err, ErrCircuitOpen) {
		return false
	}
	switch xe.Class {
	case ClassTransient:
		return true
	case ClassRateLimited:
		return xe.Status == http.StatusTooManyRequests && xe.Code != codeTooManyOrders
	}
	return false
}

// Binance error codes the package acts on.
const (
	codeTooManyOrders = -1015
	codeTimestamp     = -1021
	codeNoSuchOrder   = -2013
	codeBadSymbol     = -1121
)

// attempt makes one attempt.
func (e *Endpoint) attempt(ctx context.Context, p CallPolicy, call Call, c caller) error {
	defer e.flushChange()
	err := e.attemptOnce(ctx, p, call, c)
	label := ""
	if c.account != nil {
		label = c.account.id
	}
	e.reg.opts.Metrics.request(e.shown, label, call.Path, ClassOf(err))
	return err
}

func (e *Endpoint) attemptOnce(ctx context.Context, p CallPolicy, call Call, c caller) error {
	if c.br != nil && c.br.snapshot().State == BreakerOpen {
		// Fail before waiting for a budget the call would not use.
		return &Error{Class: ClassTransient, Path: call.Path, Err: ErrCircuitOpen}
	}
	share, err := p.Share.acquireWeight(ctx, call.Weight)
	if err != nil {
		return &Error{Class: ClassCanceled, Path: call.Path, Err: err}
	}
	var ticket weightTicket
	for {
		if err := e.waitGate(ctx, call.Path); err != nil {
			share.refund()
			return err
		}
		learning := false
		if call.LearnsLimits {
			ticket, learning = e.budget.reserveToLearn(windowIndex(e.windowTime(e.clock.now()), minute), call.Weight)
		}
		if !learning {
			if ticket, err = e.budget.acquire(ctx, e.clock, e, call.Weight); err != nil {
				share.refund()
				return &Error{Class: ClassCanceled, Path: call.Path, Err: err}
			}
		}
		// A pause may have begun while we waited for the budget.
		if e.gateOpen(e.clock.now()) {
			break
		}
		e.budget.refund(ticket)
	}
	client := c.client()
	ran, err := c.execute(func() error { return e.send(ctx, call, c, client) })
	if !ran {
		share.refund()
		e.budget.refund(ticket)
		return &Error{Class: ClassTransient, Path: call.Path, Err: err}
	}
	return err
}

// send makes the request and classifies its outcome.
func (e *Endpoint) send(ctx context.Context, call Call, c caller, client *binance.Client) error {
	actx, cancel := context.WithTimeout(ctx, e.reg.opts.RequestTimeout)
	defer cancel()
	actx, rec := withCallRecord(actx)
	sent := e.clock.now()
	e.requests.Add(1)
	ferr := call.Fn(actx, client)
	code := APICode(ferr)
	var until time.Time
	if rec.seen {
		until = e.observe(sent, rec.info, code, c.account)
	}
	if ferr == nil {
		return nil
	}
	class := Classify(rec.status(), ferr)
	if ctx.Err() != nil {
		class = ClassCanceled // the caller gave up; the exchange is not to blame
	}
	cause := scrubURL(ferr)
	if rec.status() == http.StatusTeapot {
		cause = fmt.Errorf("%w: %w", ErrBanned, cause)
	}
	return &Error{
		Class: class, Path: call.Path, Status: rec.status(), Code: code,
		RetryAfter: rec.info.RetryAfter, Until: until, Err: cause, delivery: rec.delivery(),
	}
}

// observe applies what a response says about the limits: the server's
// weight count, a 429 pause or a 418 ban. It returns when a refusal ends.
func (e *Endpoint) observe(sent time.Time, info ResponseInfo, code int64, acct *Account) time.Time {
	if info.UsedWeight1m >= 0 {
		// The count is the server's for the window the request was handled
		// in; it is only known which one that was when the request was sent
		// and answered in the same window.
		w := windowIndex(e.windowTime(sent), minute)
		if w == windowIndex(e.windowTime(info.At), minute) {
			e.budget.observe(w, info.UsedWeight1m)
		}
	}
	if acct != nil {
		acct.observe(sent, info)
	}
	until := info.At.Add(max(info.RetryAfter, time.Second))
	switch {
	case info.Status == http.StatusTeapot:
		e.mu.Lock()
		e.throttled++
		e.bannedUntil = laterOf(e.bannedUntil, until)
		e.mu.Unlock()
		e.reg.opts.Metrics.throttled(e.shown, info.Status)
		e.log.Info("IP banned by the exchange", "until", until)
		e.notify()
		return until
	case info.Status == http.StatusTooManyRequests && code == codeTooManyOrders && acct != nil:
		// Order limits are the account's, not the IP's.
		e.reg.opts.Metrics.throttled(e.shown, info.Status)
		acct.pause(until)
		return until
	case info.Status == http.StatusTooManyRequests:
		e.mu.Lock()
		e.throttled++
		e.pausedUntil = laterOf(e.pausedUntil, until)
		e.mu.Unlock()
		e.reg.opts.Metrics.throttled(e.shown, info.Status)
		e.log.Info("rate limited by the exchange: every call pauses", "until", until)
		e.notify()
		return until
	}
	return time.Time{}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// waitGate holds a call back while a 429 pause lasts, and refuses it at
// once during a 418 ban (bans last minutes to days: the caller should
// report it, not block on it).
func (e *Endpoint) waitGate(ctx context.Context, path string) error {
	counted := false
	for {
		now := e.clock.now()
		e.mu.Lock()
		banned, paused := e.bannedUntil, e.pausedUntil
		if now.Before(paused) && !now.Before(banned) && !counted {
			e.pauseWaits++
			counted = true
		}
		e.mu.Unlock()
		if now.Before(banned) {
			return &Error{Class: ClassRateLimited, Path: path, Status: http.StatusTeapot, Until: banned, Err: ErrBanned}
		}
		if !now.Before(paused) {
			return nil
		}
		if err := e.clock.sleep(ctx, paused.Sub(now)); err != nil {
			return &Error{Class: ClassCanceled, Path: path, Until: paused, Err: err}
		}
	}
}

func (e *Endpoint) gateOpen(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !now.Before(e.pausedUntil) && !now.Before(e.bannedUntil)
}
