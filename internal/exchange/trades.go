package exchange

import (
	"context"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

const (
	pathMyTrades = "/api/v3/myTrades"
	// weightMyTrades is the weight of a trade list by symbol; by order id
	// it is 5, but reconciliation reads by trade id or time.
	weightMyTrades = 20
	// MaxTradesPerCall is the most trades one call returns.
	MaxTradesPerCall = 1000
)

// Trade is one trade of the account, as the trade list reports it.
type Trade struct {
	ID      int64
	Symbol  string
	OrderID int64
	// IsBuyer is true for the buy side of the trade.
	IsBuyer         bool
	IsMaker         bool
	Price, Qty      decimal.Decimal
	QuoteQty        decimal.Decimal
	Commission      decimal.Decimal
	CommissionAsset string
	Time            time.Time
}

// TradesQuery selects trades of one symbol: from a trade id on (FromID >
// 0), or from a time on (Since not zero), oldest first.
type TradesQuery struct {
	Symbol string
	FromID int64
	Since  time.Time
	// Limit is 1 to MaxTradesPerCall (0: MaxTradesPerCall).
	Limit int
}

// Trades returns the account's trades of q.Symbol, oldest first: what a bot
// reads after a restart or a reconnection to learn the fills it missed.
// Fewer than the limit means there are no more.
func (a *Account) Trades(ctx context.Context, p CallPolicy, q TradesQuery) ([]Trade, error) {
	p = p.withDefaults()
	limit := q.Limit
	if limit <= 0 || limit > MaxTradesPerCall {
		limit = MaxTradesPerCall
	}
	var raw []*binance.TradeV3
	err := a.call(ctx, p, Call{Path: pathMyTrades, Weight: weightMyTrades, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			s := c.NewListTradesService().Symbol(q.Symbol).Limit(limit)
			switch {
			case q.FromID > 0:
				s = s.FromID(q.FromID)
			case !q.Since.IsZero():
				s = s.StartTime(q.Since.UnixMilli())
			}
			var err error
			raw, err = s.Do(ctx)
			return err
		}})
	if err != nil {
		return nil, err
	}
	out := make([]Trade, 0, len(raw))
	var d decimals
	for _, r := range raw {
		if r == nil {
			continue
		}
		out = append(out, Trade{
			ID: r.ID, Symbol: r.Symbol, OrderID: r.OrderID, IsBuyer: r.IsBuyer, IsMaker: r.IsMaker,
			Price: d.parse("price", r.Price), Qty: d.parse("qty", r.Quantity), QuoteQty: d.parse("quoteQty", r.QuoteQuantity),
			Commission: d.parse("commission", r.Commission), CommissionAsset: r.CommissionAsset,
			Time: time.UnixMilli(r.Time).UTC(),
		})
	}
	if d.err != nil {
		return nil, badResponse(pathMyTrades, d.err)
	}
	return out, nil
}

const (
	pathAllOrders   = "/api/v3/allOrders"
	weightAllOrders = 20
)

// OrdersSince returns the account's orders of symbol created at or after
// since (any status), up to MaxTradesPerCall of them, oldest first: what a
// bot reads at start to know which client order ids it already used.
func (a *Account) OrdersSince(ctx context.Context, p CallPolicy, symbol string, since time.Time) ([]Order, error) {
	p = p.withDefaults()
	var raw []*binance.Order
	err := a.call(ctx, p, Call{Path: pathAllOrders, Weight: weightAllOrders, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			raw, err = c.NewListOrdersService().Symbol(symbol).StartTime(since.UnixMilli()).Limit(MaxTradesPerCall).Do(ctx)
			return err
		}})
	if err != nil {
		return nil, err
	}
	return ordersFrom(raw)
}
