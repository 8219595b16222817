package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adshao/go-binance/v2"
)

// Account is one API key on an endpoint: it signs requests, keeps the
// clock offset they are stamped with, and holds the order budget and
// breakers shared by every bot trading with the key. Get one from
// Registry.Account.
type Account struct {
	e        *Endpoint
	id       string
	orders   *orderBudget
	breakers breakerSet
	// client is replaced, never modified: go-binance reads TimeOffset and
	// the keys without a lock, so a re-sync or a rotated secret builds a
	// new client.
	client atomic.Pointer[binance.Client]
	placed atomic.Int64

	mu          sync.Mutex // guards the fields below
	creds       Credentials
	clockOffset time.Duration
	pausedUntil time.Time // after a -1015 (too many orders)
}

func newAccount(e *Endpoint, creds Credentials) *Account {
	a := &Account{e: e, id: accountID(creds.APIKey), creds: creds, orders: &orderBudget{safety: e.reg.opts.WeightSafety}}
	a.breakers = breakerSet{name: e.shown + " " + a.id, now: e.reg.opts.Now, changed: func(key string, from, to BreakerState) {
		e.log.Info("account circuit breaker changed state", "account", a.id, "settings", key, "from", from, "to", to)
		e.notify()
	}}
	a.clockOffset = time.Duration(e.signOffset.Load())
	a.client.Store(a.newClient(creds, a.clockOffset))
	return a
}

// accountID names an account in status and metrics without revealing its
// key: a short hash of the API key.
func accountID(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return "key-" + hex.EncodeToString(sum[:4])
}

// ID is the account's name in status and metrics ("key-" and 8 hex digits
// of a hash of the API key).
func (a *Account) ID() string { return a.id }

// Endpoint returns the endpoint the account trades on.
func (a *Account) Endpoint() *Endpoint { return a.e }

func (a *Account) newClient(creds Credentials, offset time.Duration) *binance.Client {
	c := NewRESTClient(a.e.urls.REST, &creds, a.e.http)
	// go-binance stamps requests with local time minus TimeOffset.
	c.TimeOffset = -offset.Milliseconds()
	return c
}

// setCredentials signs with creds from now on, if they changed.
func (a *Account) setCredentials(creds Credentials) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if creds == a.creds {
		return
	}
	a.creds = creds
	a.client.Store(a.newClient(creds, a.clockOffset))
}

// SyncClock measures the server's clock and signs with the new offset from
// now on. Signed calls do it by themselves when the server refuses a
// timestamp (-1021).
func (a *Account) SyncClock(ctx context.Context) error {
	if _, _, err := a.e.ServerTime(ctx, CallPolicy{}); err != nil {
		return err
	}
	offset := time.Duration(a.e.signOffset.Load())
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clockOffset = offset
	a.client.Store(a.newClient(a.creds, offset))
	return nil
}

// AccountState is an immutable snapshot of an account.
type AccountState struct {
	ID string
	// Orders10s and Orders1d are the orders counted in the current windows
	// (ours, or the server's count when larger); the limits come from
	// exchangeInfo.
	Orders10s, OrderLimit10s int
	Orders1d, OrderLimitDay  int
	// Placed counts orders the exchange accepted.
	Placed int64
	// ClockOffset is the server's clock minus ours, as requests are signed.
	ClockOffset time.Duration
	// PausedUntil ends a pause after the exchange refused an order for the
	// account's order limit (-1015).
	PausedUntil time.Time
	// Breakers are the account's breakers keyed by BreakerSettings.Key.
	Breakers map[string]BreakerStatus
}

// State returns a snapshot of the account.
func (a *Account) State() AccountState {
	now := a.e.clock.now()
	ten, d := a.orders.counts(a.e, now)
	limits := a.e.orderLimits.Load()
	st := AccountState{
		ID: a.id, Orders10s: ten, OrderLimit10s: limits.per10s, Orders1d: d, OrderLimitDay: limits.perDay,
		Placed: a.placed.Load(), Breakers: a.breakers.all(),
	}
	a.mu.Lock()
	st.ClockOffset, st.PausedUntil = a.clockOffset, a.pausedUntil
	a.mu.Unlock()
	return st
}

// BreakerStatus returns the status of the account's breaker for settings.
func (a *Account) BreakerStatus(s BreakerSettings) BreakerStatus { return a.breakers.status(s) }

// observe takes the order counts from a response to one of the account's
// requests.
func (a *Account) observe(sent time.Time, info ResponseInfo) {
	a.orders.observe(a.e, sent, info)
}

// pause holds the account's orders back until until (after -1015).
func (a *Account) pause(until time.Time) {
	a.mu.Lock()
	a.pausedUntil = laterOf(a.pausedUntil, until)
	a.mu.Unlock()
	a.e.notify()
}

// waitPause waits out a -1015 pause.
func (a *Account) waitPause(ctx context.Context) error {
	a.mu.Lock()
	until := a.pausedUntil
	a.mu.Unlock()
	if err := a.e.clock.sleep(ctx, until.Sub(a.e.clock.now())); err != nil {
		return &Error{Class: ClassCanceled, Path: pathOrder, Until: until, Err: err}
	}
	return nil
}

// call makes a signed call through the account's breaker. A timestamp the
// server refuses (-1021) never reached the matching engine, so the clock is
// synchronised and the call made once more.
func (a *Account) call(ctx context.Context, p CallPolicy, call Call) error {
	c := caller{br: a.breakers.get(p.Breaker), client: a.client.Load, account: a}
	err := a.e.run(ctx, p, call, c)
	if APICode(err) == codeTimestamp {
		if serr := a.SyncClock(ctx); serr != nil {
			return err
		}
		err = a.e.run(ctx, p, call, c)
	}
	return err
}
