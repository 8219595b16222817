package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PendingOrder is an order whose placement may have reached the exchange
// without an answer saying what became of it.
type PendingOrder struct {
	Symbol        string
	ClientOrderID string
	// Timestamp and RecvWindow are those the placement request was signed
	// with (Timestamp on the server's clock, as the request claimed it).
	// The exchange accepts an order only while its clock has not passed
	// Timestamp+RecvWindow, so after that a lookup that finds nothing is
	// final.
	Timestamp  time.Time
	RecvWindow time.Duration
}

// Deadline is the time on the exchange's clock after which the order can
// no longer be accepted: Timestamp+RecvWindow.
func (p PendingOrder) Deadline() time.Time { return p.Timestamp.Add(p.RecvWindow) }

func (p PendingOrder) validate() error {
	var errs []error
	if p.Symbol == "" || !validClientOrderID(p.ClientOrderID) {
		errs = append(errs, errors.New("a pending order needs its symbol and client order id"))
	}
	if p.Timestamp.IsZero() || !(p.RecvWindow > 0 && p.RecvWindow <= maxRecvWindow) {
		errs = append(errs, fmt.Errorf("a pending order needs the timestamp it was sent with and a recvWindow up to %v", maxRecvWindow))
	}
	return errors.Join(errs...)
}

// UnresolvedOrderError says which order's outcome is unknown and why. It is
// the cause of every error wrapping ErrOutcomeUnknown that PlaceOrder and
// ResolveOrder return (find it with errors.As): the order may exist, so
// nothing new may be sent for it until ResolveOrder, given Order, settles
// it.
type UnresolvedOrderError struct {
	Order PendingOrder
	// Lookups counts the lookups by client order id made so far.
	Lookups int
	// Err is the failure that left the placement's outcome open (a
	// timeout, a reset, a 5xx, an unreadable answer, the caller's context
	// ending); nil when ResolveOrder was called directly.
	Err error
	// LookupErr is why the lookups did not settle it: the last failure of
	// a lookup or of reading the exchange's clock, or nil when the lookups
	// found nothing but none of them was known to come after Deadline.
	LookupErr error
}

func (e *UnresolvedOrderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: order %s %q may exist until the exchange's clock passes %s; %d lookups",
		ErrOutcomeUnknown, e.Order.Symbol, e.Order.ClientOrderID, e.Order.Deadline().UTC().Format(time.RFC3339Nano), e.Lookups)
	if e.Err != nil {
		fmt.Fprintf(&b, "; placing it: %v", e.Err)
	}
	if e.LookupErr != nil {
		fmt.Fprintf(&b, "; last lookup: %v", e.LookupErr)
	}
	return b.String()
}

// Unwrap makes the error match ErrOutcomeUnknown and its causes.
func (e *UnresolvedOrderError) Unwrap() []error {
	out := []error{ErrOutcomeUnknown}
	for _, err := range []error{e.Err, e.LookupErr} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// resolveStep is how far past the deadline, on the estimated server clock,
// the resolution wakes up to check it.
const resolveStep = 20 * time.Millisecond

// ResolveOrder settles an order whose outcome is unknown, as PlaceOrder
// does after a lost answer (take pending from the *UnresolvedOrderError):
// it returns the order with FoundByLookup set, or an error wrapping
// ErrOrderNotPlaced once a lookup sent after the exchange's clock passed
// pending.Deadline() found nothing, or an error wrapping ErrOutcomeUnknown
// if ctx ends, or the exchange's clock passes the deadline by a further
// RecvWindow (at least a second), first. Each lookup (GET /api/v3/order,
// weight 4) and each read of the exchange's clock (weight 1) is one attempt
// through p's budget, share and breaker; between lookups it backs off as p
// says, but wakes up when the deadline passes. A found order counts in the
// account's Placed.
func (a *Account) ResolveOrder(ctx context.Context, p CallPolicy, pending PendingOrder) (Order, error) {
	if err := pending.validate(); err != nil {
		return Order{}, &Error{Class: ClassRejected, Path: pathOrder, Err: err}
	}
	o, err := a.resolve(ctx, p, pending, nil)
	if err == nil {
		a.accepted()
	}
	return o, err
}

// resolve looks up an order whose placement went unanswered until a lookup
// finds it, or finds nothing after the exchange's clock has passed the
// order's deadline. cause is the placement's failure.
func (a *Account) resolve(ctx context.Context, p CallPolicy, pend PendingOrder, cause error) (Order, error) {
	p = p.withDefaults()
	once := p
	once.Retry.MaxAttempts = 1 // the loop below does the retrying
	bo := p.Retry.backoff()
	deadline := pend.Deadline()
	giveUp := deadline.Add(max(pend.RecvWindow, time.Second))
	u := UnresolvedOrderError{Order: pend, Err: cause}
	unknown := func() error {
		class := ClassTransient
		if ctx.Err() != nil {
			class = ClassCanceled
		}
		ue := u
		return &Error{Class: class, Path: pathOrder, Err: &ue}
	}
	// past: the exchange's clock, read before the coming lookup was sent,
	// had passed the deadline. The order cannot be accepted any more, so
	// "no such order" from then on is final. Once true it stays true.
	past := false
	for {
		if ctx.Err() != nil {
			return Order{}, unknown()
		}
		if !past && !a.e.serverNow().Before(deadline) {
			// Our estimate says the deadline has passed; only the
			// exchange's clock can say so. Reading it also corrects the
			// estimate the waits below are made on.
			server, _, _, err := a.e.readServerTime(ctx, once)
			switch {
			case err != nil:
				u.LookupErr = err
			case server.After(deadline):
				past = true
			}
		}
		o, err := a.GetOrder(ctx, once, pend.Symbol, pend.ClientOrderID)
		u.Lookups++
		switch {
		case err == nil:
			o.FoundByLookup = true
			return o, nil
		case APICode(err) == codeNoSuchOrder && past:
			return Order{}, &Error{Class: ClassTransient, Path: pathOrder, Err: notPlaced(u)}
		case APICode(err) == codeNoSuchOrder:
			u.LookupErr = nil
		default:
			u.LookupErr = err
			if hopeless(err) {
				return Order{}, unknown()
			}
		}
		now := a.e.serverNow()
		if !now.Before(giveUp) {
			return Order{}, unknown()
		}
		wait := bo.NextBackOff()
		if d := deadline.Sub(now); !past && d >= 0 {
			wait = min(wait, d+resolveStep)
		}
		wait = min(wait, giveUp.Sub(now)+resolveStep)
		if err := a.e.clock.sleep(ctx, wait); err != nil {
			return Order{}, unknown()
		}
	}
}

// notPlaced is the error of an order the lookups proved absent.
func notPlaced(u UnresolvedOrderError) error {
	msg := fmt.Sprintf("%d lookups of %s %q, the last sent after the exchange's clock had passed %s (timestamp + recvWindow), found nothing",
		u.Lookups, u.Order.Symbol, u.Order.ClientOrderID, u.Order.Deadline().UTC().Format(time.RFC3339Nano))
	if u.Err == nil {
		return fmt.Errorf("%w: %s", ErrOrderNotPlaced, msg)
	}
	return fmt.Errorf("%w: %s; placing it: %w", ErrOrderNotPlaced, msg, u.Err)
}

// hopeless: a lookup failure that more lookups will not get past soon (a
// refused key, a ban, a refusal other than "no such order").
func hopeless(err error) bool {
	switch ClassOf(err) {
	case ClassAuth, ClassRejected:
		return true
	}
	return errors.Is(err, ErrBanned)
}
