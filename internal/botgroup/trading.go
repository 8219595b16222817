package botgroup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
	"github.com/tradebot-operator/tradebot-operator/internal/userdata"
)

// Task names of a trading group.
const (
	TaskTrading  = "trading"
	TaskUserData = "user-data"
)

// TradingOptions make a group trade: its accepted signals become orders on
// Account.
type TradingOptions struct {
	// Executor is the executor's configuration; the group fills in its
	// exchange, gate, prices, signal store and change notice.
	Executor trading.Config
	// Account is the bot's account on the group's endpoint, and
	// Credentials its keys (for the user-data stream).
	Account     *exchange.Account
	Credentials exchange.Credentials
	// UserDataURL is the WebSocket API the fills come from.
	UserDataURL string
	// Setup runs before the executor starts, again at every restart of the
	// task (for example: make sure a paper account exists). nil: none.
	Setup func(ctx context.Context) error
}

// groupTrading is a group's trading part.
type groupTrading struct {
	ex    *trading.Executor
	ud    *userdata.Client
	setup func(ctx context.Context) error
}

// EnableTrading makes the group trade. Call it before Tasks; it needs the
// group's signals (the executor acts on their accepted signals).
func (g *Group) EnableTrading(o TradingOptions) error {
	if g.cfg.Signals == nil {
		return errors.New("trading needs signals")
	}
	if o.Account == nil {
		return errors.New("trading needs an account")
	}
	// Orders are sized from the market snapshot's prices. The tasks have
	// not started yet: the market-data task reads this when it does.
	g.cfg.Prices = true
	cfg := o.Executor
	cfg.Exchange = trading.AccountExchange{Account: o.Account, Policy: g.cfg.Policy}
	cfg.Gate = g.tradeGate
	cfg.LastPrice = g.lastPrice
	cfg.Store = g.cfg.Signals.State.Store
	cfg.Changed = g.cfg.Notify
	if g.cfg.Recorder != nil {
		cfg.Record = tradeRecorder{g: g}
	}
	if cfg.Now == nil {
		cfg.Now = g.cfg.Now
	}
	ex, err := trading.New(cfg)
	if err != nil {
		return err
	}
	ud, err := userdata.New(userdata.Options{
		URL: o.UserDataURL, Credentials: o.Credentials,
		ServerNow: func() time.Time { return g.cfg.Now().Add(g.health.ClockOffset()) },
		OnEvent:   ex.OnUserData, OnSubscribed: ex.Resync, Logger: cfg.Logger,
	})
	if err != nil {
		return err
	}
	g.trading = &groupTrading{ex: ex, ud: ud, setup: o.Setup}
	// The account's breaker stops this group's orders: status shows it.
	g.health.UseAccount(o.Account)
	return nil
}

// Executor is the group's executor; nil when it does not trade.
func (g *Group) Executor() *trading.Executor {
	if g.trading == nil {
		return nil
	}
	return g.trading.ex
}

func (g *Group) runTrading(ctx context.Context) error {
	t := g.trading
	if t.setup != nil {
		if err := t.setup(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("preparing the account: %w", err)
		}
	}
	return t.ex.Run(ctx)
}

func (g *Group) runUserData(ctx context.Context) error { return g.trading.ud.Run(ctx) }

// tradeGate says whether a new order may be placed now: never on stale
// market data, nor while the endpoint is banned, paused or behind an open
// breaker.
func (g *Group) tradeGate() (bool, string) {
	now := g.cfg.Now()
	if g.cfg.Hub != nil && len(g.cfg.Streams) > 0 {
		m := g.market.Load().MarketSnapshot
		switch {
		case !m.Subscribed:
			return false, "market data not subscribed yet"
		case m.Stale > 0:
			return false, "market data stale: " + strings.Join(m.StaleStreams, ", ")
		}
	}
	h := g.health.Health()
	switch {
	case h.Breaker.State == exchange.BreakerOpen:
		return false, "the exchange's circuit breaker is open"
	case h.Banned(now):
		return false, "the exchange banned this IP until " + h.BannedUntil.UTC().Format(time.RFC3339)
	case now.Before(h.RetryAfterUntil):
		return false, "the exchange asked to wait until " + h.RetryAfterUntil.UTC().Format(time.RFC3339)
	}
	return true, ""
}

// lastPrice is the symbol's latest price from the group's market data.
func (g *Group) lastPrice(symbol string) (decimal.Decimal, bool) {
	s, ok := g.market.Load().Symbols[symbol]
	if !ok || !s.LastPrice.IsPositive() {
		return decimal.Decimal{}, false
	}
	return s.LastPrice, true
}

// tradeRecorder writes the executor's orders and fills to the group's
// recorder, at the operator's nanosecond clock (see docs/recording.md).
type tradeRecorder struct{ g *Group }

func (r tradeRecorder) Order(o trading.OrderSummary) {
	r.g.record(recording.OrderPoint(r.g.cfg.Meta, recording.Order{
		Symbol: o.Symbol, Side: o.Side, Type: o.Type, Status: o.Status, ClientOrderID: o.ClientOrderID,
		Price: o.Price, Quantity: o.Quantity, ExecutedQty: o.ExecutedQuantity, Time: r.g.cfg.Now(),
	}))
}

func (r tradeRecorder) Fill(f ledger.Fill, clientOrderID string) {
	r.g.record(recording.FillPoint(r.g.cfg.Meta, recording.Fill{
		Symbol: f.Symbol, Side: string(f.Side), TradeID: f.TradeID, OrderID: f.OrderID, ClientOrderID: clientOrderID,
		Price: f.Price, Quantity: f.Qty, QuoteQuantity: f.QuoteQty, Commission: f.Commission,
		CommissionAsset: f.CommissionAsset, Time: r.g.cfg.Now(),
	}))
}
