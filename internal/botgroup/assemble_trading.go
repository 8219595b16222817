package botgroup

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
	"github.com/tradebot-operator/tradebot-operator/internal/paperaccount"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// enableTrading makes g trade as req says.
func (a *Assembler) enableTrading(g *Group, ep *exchange.Endpoint, owner Owner, creds *exchange.Credentials, req *TradingRequest) error {
	limits, err := riskLimits(req.Spec.Risk)
	if err != nil {
		return err
	}
	var setup func(context.Context) error
	c := creds
	if req.Paper {
		pc := paperaccount.Credentials(req.UID)
		c = &pc
	}
	if c == nil {
		return nil // no account to trade on: signals only
	}
	acct := a.o.Registry.Account(ep, *c)
	if req.Paper {
		simURL := a.o.Resolver.SimulatorURL
		setup = func(ctx context.Context) error {
			_, err := paperaccount.Ensure(ctx, acct, *c, exchange.CallPolicy{}, paperaccount.Options{SimulatorURL: simURL})
			return err
		}
	}
	var resumedWith string
	if req.Previous != nil {
		resumedWith = req.Previous.ResumedWith
	}
	cfg := trading.Config{
		ResumedWith: resumedWith,
		BotUID:      req.UID,
		Name:        owner.Namespace + "/" + owner.Name,
		Symbols:     req.Spec.Symbols,
		Limits:      limits,
		Orders: trading.OrderSettings{Type: ordersize.Type(req.Spec.Orders.Type), OffsetBps: req.Spec.Orders.LimitOffsetBps,
			CancelAfter: durationOr(req.Spec.Orders.CancelAfter, time.Minute)},
		Restore:  haltToRestore(req.Previous, req.ResumeToken),
		Metrics:  a.o.TradingMetrics,
		Announce: req.Announce,
	}
	if req.Previous != nil {
		ops, day, err := openingsFromStatus(req.Previous.Openings)
		if err != nil && cfg.Announce != nil {
			cfg.Announce(true, "OpeningsUnreadable", "Rebuild", err.Error()+"; positions are valued from the balances at today's start")
		}
		cfg.Openings, cfg.OpeningsDay = ops, day
	}
	return g.EnableTrading(TradingOptions{
		Executor: cfg, Account: acct, Credentials: *c, Setup: setup,
		UserDataURL: a.o.Resolver.WSAPIURL(ep.URLs()),
	})
}

func durationOr(d *metav1.Duration, def time.Duration) time.Duration {
	if d == nil || d.Duration <= 0 {
		return def
	}
	return d.Duration
}

// riskLimits converts spec.risk.
func riskLimits(r tradingv1alpha1.RiskSpec) (risk.Limits, error) {
	var l risk.Limits
	var err error
	if l.MaxOrderQuote, err = r.MaxOrderQuote.Parse(); err != nil {
		return l, fmt.Errorf("spec.risk.maxOrderQuote: %w", err)
	}
	if l.MaxPositionQuote, err = r.MaxPositionQuote.Parse(); err != nil {
		return l, fmt.Errorf("spec.risk.maxPositionQuote: %w", err)
	}
	if l.MaxDailyLossQuote, err = r.MaxDailyLossQuote.Parse(); err != nil {
		return l, fmt.Errorf("spec.risk.maxDailyLossQuote: %w", err)
	}
	l.MaxOrdersPerMinute = int(r.MaxOrdersPerMinute)
	l.Cooldown = durationOr(r.Cooldown, 0)
	return l, l.Validate()
}

// haltToRestore is the halt an earlier operator process reported, unless a
// resume was asked for since.
func haltToRestore(prev *tradingv1alpha1.TradingStatus, token string) *risk.State {
	if prev == nil || prev.HaltedAt == nil {
		return nil
	}
	if token != "" && token != prev.ResumedWith {
		return nil // a person asked to resume; the executor checks the loss again
	}
	at := prev.HaltedAt.Time
	return &risk.State{Halted: true, HaltedAt: at, HaltDay: ledger.DayStart(at)}
}
