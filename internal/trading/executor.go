package trading

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/userdata"
)

// OrderSettings are spec.orders.
type OrderSettings struct {
	Type ordersize.Type
	// OffsetBps prices LIMIT and LIMIT_MAKER orders away from the last
	// price, on the passive side.
	OffsetBps int32
	// CancelAfter is how long a LIMIT order may rest unfilled.
	CancelAfter time.Duration
}

// Config is everything an Executor needs.
type Config struct {
	// BotUID names the bot in client order ids; Name (namespace/name) in
	// metrics.
	BotUID  string
	Name    string
	Symbols []string
	Limits  risk.Limits
	Orders  OrderSettings
	// Exchange is the bot's account.
	Exchange Exchange
	// Gate reports whether new orders may be placed now (market data
	// fresh, the endpoint neither banned nor behind an open breaker), and
	// why not.
	Gate func() (ok bool, why string)
	// LastPrice is the symbol's latest traded price, from market data.
	LastPrice func(symbol string) (decimal.Decimal, bool)
	// Store is the bot's signal store, whose entries the executor marks.
	Store *signal.Store
	// Restore is the halt state an earlier process reported in status,
	// and ResumedWith the resume token it had acted on.
	Restore     *risk.State
	ResumedWith string
	// Openings are the books at the start of the UTC day OpeningsDay
	// that an earlier process reported (status.trading.openings). The
	// executor rebuilds from them and the trades since, so that entry
	// prices, lifetime realized PnL and fees carry over a restart; a
	// symbol without one is valued from the balance (EntryEstimated).
	Openings    []ledger.Opening
	OpeningsDay time.Time
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Announce emits a Kubernetes Event (warning or normal); it must not
	// block. nil: none.
	Announce func(warning bool, reason, action, note string)
	// Record receives orders and fills for InfluxDB; it must not block.
	Record Recorder
	// Metrics receives the trading figures (nil: none).
	Metrics *Metrics
	// Changed is called when something status shows has changed; it must
	// not block.
	Changed func()
	Logger  logr.Logger
	// SignalMaxAge is how long a signal may wait for its order to be
	// placed (gate closed, order certainly not placed) before it is given
	// up (default 2 minutes).
	SignalMaxAge time.Duration
}

// Recorder receives what the executor records.
type Recorder interface {
	Order(o OrderSummary)
	Fill(f ledger.Fill, clientOrderID string)
}

// queue sizes: signals are rare, account events come in bursts.
const (
	signalQueue  = 256
	accountQueue = 4096
	tickEvery    = time.Second
)

// Executor runs one bot's trading. Create it with New, run it with Run.
type Executor struct {
	cfg Config

	signals chan signal.Prepared
	account chan userdata.Event
	resync  chan struct{}
	resume  chan string

	snap atomic.Pointer[Snapshot]

	// Owned by Run's goroutine.
	st *state
	// dropped counts signals and events refused because a queue was full.
	dropped atomic.Int64
}

// New checks cfg and returns an Executor.
func New(cfg Config) (*Executor, error) {
	switch {
	case cfg.BotUID == "":
		return nil, errors.New("trading: the bot's UID is required")
	case len(cfg.Symbols) == 0:
		return nil, errors.New("trading: no symbols")
	case cfg.Exchange == nil:
		return nil, errors.New("trading: no exchange")
	}
	if err := cfg.Limits.Validate(); err != nil {
		return nil, fmt.Errorf("trading: %w", err)
	}
	if cfg.Orders.Type == "" {
		cfg.Orders.Type = ordersize.TypeMarket
	}
	if cfg.Orders.CancelAfter <= 0 {
		cfg.Orders.CancelAfter = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Gate == nil {
		cfg.Gate = func() (bool, string) { return true, "" }
	}
	if cfg.LastPrice == nil {
		cfg.LastPrice = func(string) (decimal.Decimal, bool) { return decimal.Decimal{}, false }
	}
	if cfg.Changed == nil {
		cfg.Changed = func() {}
	}
	if cfg.SignalMaxAge <= 0 {
		cfg.SignalMaxAge = 2 * time.Minute
	}
	e := &Executor{
		cfg:     cfg,
		signals: make(chan signal.Prepared, signalQueue),
		account: make(chan userdata.Event, accountQueue),
		resync:  make(chan struct{}, 1),
		resume:  make(chan string, 1),
	}
	e.snap.Store(&Snapshot{Starting: true})
	return e, nil
}

// Offer queues an accepted signal. It never blocks; it reports false when
// the queue is full (the signal is then marked Failed in the store).
func (e *Executor) Offer(p signal.Prepared) bool {
	select {
	case e.signals <- p:
		return true
	default:
		e.dropped.Add(1)
		if e.cfg.Store != nil {
			id := p.Signal().ID()
			e.cfg.Store.Update(id, func(en *signal.Entry) {
				en.State, en.Note = signal.StateFailed, "the executor's queue was full"
			})
		}
		return false
	}
}

// OnUserData queues an account event; it never blocks. A full queue asks
// for a REST reconciliation instead, so that nothing is lost.
func (e *Executor) OnUserData(ev userdata.Event) {
	select {
	case e.account <- ev:
	default:
		e.dropped.Add(1)
		e.Resync()
	}
}

// Resync asks for a REST reconciliation (after a user-data reconnection).
func (e *Executor) Resync() {
	select {
	case e.resync <- struct{}{}:
	default:
	}
}

// Resume asks to lift a risk halt; token is the resume annotation's value,
// reported back in Snapshot.ResumedWith once acted on.
func (e *Executor) Resume(token string) {
	select {
	case <-e.resume:
	default:
	}
	e.resume <- token
}

// Snapshot is the latest published state.
func (e *Executor) Snapshot() Snapshot { return *e.snap.Load() }

// Run trades until ctx ends. It returns an error only when it cannot start
// (the exchange's rules or the account cannot be read); the supervisor
// restarts it.
func (e *Executor) Run(ctx context.Context) error {
	st, err := e.start(ctx)
	if err != nil {
		e.publishError(err)
		return err
	}
	e.st = st
	e.publish()
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case p := <-e.signals:
			st.enqueue(p, e.cfg.Now())
			e.work(ctx)
		case ev := <-e.account:
			e.onAccount(ctx, ev)
		case <-e.resync:
			if err := e.reconcile(ctx); err != nil && ctx.Err() == nil {
				// reconcile set resyncAt: onTick tries again.
				e.cfg.Logger.Info("reconciliation failed; trying again", "error", err.Error())
			}
		case token := <-e.resume:
			e.onResume(token)
		case <-tick.C:
			e.onTick(ctx)
			e.work(ctx)
		}
		e.publish()
	}
}
