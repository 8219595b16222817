package trading

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
)

// Exchange is what the executor needs of the exchange: the bot's account
// on its endpoint, through the bot's call policy.
type Exchange interface {
	PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error)
	GetOrder(ctx context.Context, symbol, clientOrderID string) (exchange.Order, error)
	CancelOrder(ctx context.Context, symbol, clientOrderID string) (exchange.Order, error)
	OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error)
	// OrdersSince lists the symbol's orders created since a time.
	OrdersSince(ctx context.Context, symbol string, since time.Time) ([]exchange.Order, error)
	Trades(ctx context.Context, q exchange.TradesQuery) ([]exchange.Trade, error)
	Balances(ctx context.Context) ([]exchange.Balance, error)
	// Filters returns the symbol's trading rules.
	Filters(ctx context.Context, symbol string) (ordersize.Filters, error)
	// OpenAt is the open price of the first one-minute kline at or after
	// at: the price positions held at 00:00 UTC are marked at, and the
	// price a fee paid in a third asset is converted at.
	OpenAt(ctx context.Context, symbol string, at time.Time) (decimal.Decimal, error)
}

// AccountExchange is Exchange over a shared account and endpoint.
type AccountExchange struct {
	Account *exchange.Account
	Policy  exchange.CallPolicy
}

var (
	_ Exchange = AccountExchange{}
	_ Resolver = AccountExchange{}
)

// Resolver is what an Exchange may also offer: settling an order whose
// outcome PlaceOrder left unknown, from the timestamp and recvWindow its
// request was signed with (exchange.Account.ResolveOrder). An executor
// whose Exchange has it re-sends such an order as soon as the exchange's
// clock proves it was not placed; without it, a minute after sending.
type Resolver interface {
	ResolveOrder(ctx context.Context, pending exchange.PendingOrder) (exchange.Order, error)
}

func (a AccountExchange) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	return a.Account.PlaceOrder(ctx, a.Policy, req)
}

func (a AccountExchange) ResolveOrder(ctx context.Context, pending exchange.PendingOrder) (exchange.Order, error) {
	return a.Account.ResolveOrder(ctx, a.Policy, pending)
}

func (a AccountExchange) GetOrder(ctx context.Context, symbol, id string) (exchange.Order, error) {
	return a.Account.GetOrder(ctx, a.Policy, symbol, id)
}

func (a AccountExchange) CancelOrder(ctx context.Context, symbol, id string) (exchange.Order, error) {
	return a.Account.CancelOrder(ctx, a.Policy, symbol, id)
}

func (a AccountExchange) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	return a.Account.OpenOrders(ctx, a.Policy, symbol)
}

func (a AccountExchange) OrdersSince(ctx context.Context, symbol string, since time.Time) ([]exchange.Order, error) {
	return a.Account.OrdersSince(ctx, a.Policy, symbol, since)
}

func (a AccountExchange) Trades(ctx context.Context, q exchange.TradesQuery) ([]exchange.Trade, error) {
	return a.Account.Trades(ctx, a.Policy, q)
}

func (a AccountExchange) Balances(ctx context.Context) ([]exchange.Balance, error) {
	return a.Account.Balances(ctx, a.Policy)
}

func (a AccountExchange) Filters(ctx context.Context, symbol string) (ordersize.Filters, error) {
	info, err := a.Account.Endpoint().ExchangeInfo(ctx, a.Policy)
	if err != nil {
		return ordersize.Filters{}, err
	}
	for i := range info.Symbols {
		if info.Symbols[i].Symbol == symbol {
			return ordersize.ParseSymbol(&info.Symbols[i])
		}
	}
	return ordersize.Filters{}, fmt.Errorf("symbol %s is not listed by the exchange", symbol)
}

func (a AccountExchange) OpenAt(ctx context.Context, symbol string, at time.Time) (decimal.Decimal, error) {
	ks, err := a.Account.Endpoint().Klines(ctx, a.Policy, symbol, "1m", at, 1)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if len(ks) == 0 || !ks[0].Open.IsPositive() {
		return decimal.Decimal{}, fmt.Errorf("no one-minute kline of %s since %s", symbol, at.Format(time.RFC3339))
	}
	return ks[0].Open, nil
}
