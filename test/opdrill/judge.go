package opdrill

import (
	"context"
	"strings"
	"testing"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/paperaccount"
)

// Judge reads the simulator's records with each bot's paper credentials,
// through a registry of its own (clean budgets, no pause or ban carried
// over from the operator's). It is used from the test's goroutine only.
type Judge struct {
	Ctx      context.Context
	endpoint *exchange.Endpoint
	accounts map[string]*exchange.Account
	reg      *exchange.Registry
}

// NewJudge returns a judge of the simulator at simURL.
func NewJudge(t testing.TB, simURL string) *Judge {
	t.Helper()
	reg := exchange.NewRegistry(exchange.RegistryOptions{WeightSafety: 1})
	t.Cleanup(reg.Close)
	ep := reg.Endpoint(exchange.URLs{REST: simURL, Stream: "ws" + strings.TrimPrefix(simURL, "http")})
	// The judge's budget learns the simulator's raised limit first.
	if _, err := ep.ExchangeInfo(context.Background(), exchange.CallPolicy{}); err != nil {
		t.Fatalf("reading the simulator's exchangeInfo: %v", err)
	}
	return &Judge{Ctx: context.Background(), endpoint: ep, accounts: map[string]*exchange.Account{}, reg: reg}
}

// Account is the paper account of the bot with uid.
func (j *Judge) Account(uid string) *exchange.Account {
	a := j.accounts[uid]
	if a == nil {
		a = j.reg.Account(j.endpoint, paperaccount.Credentials(uid))
		j.accounts[uid] = a
	}
	return a
}

// TerminalStatus reports whether an order status is final.
func TerminalStatus(s string) bool {
	switch s {
	case "FILLED", "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH":
		return true
	}
	return false
}
