package matching

import (
	"sort"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Query limits, as Binance's allOrders and myTrades apply them.
const (
	DefaultQueryLimit = 500
	MaxQueryLimit     = 1000
)

// GetOrder returns one order of an account, open or remembered, found by
// orderID or, when orderID is zero, by origClientOrderID (the latest order
// with that client id). Unknown orders give -2013 "Order does not exist.".
func (e *Engine) GetOrder(account, symbol string, orderID int64, origClientOrderID string) (Order, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.books[symbol] == nil {
		return Order{}, apierr.InvalidSymbol()
	}
	if orderID == 0 && origClientOrderID == "" {
		return Order{}, apierr.BadParam(msgNoOrderID)
	}
	var o *order
	if acc := e.accounts[account]; acc != nil {
		o = acc.find(symbol, orderID, origClientOrderID)
	}
	if o == nil {
		return Order{}, apierr.Rejected(apierr.CodeNoSuchOrder, msgNoSuchOrder)
	}
	return o.snapshot(), nil
}

// OpenOrders returns an account's open orders on symbol ("" = every
// symbol), oldest first.
func (e *Engine) OpenOrders(account, symbol string) []Order {
	e.mu.Lock()
	defer e.mu.Unlock()
	acc := e.accounts[account]
	if acc == nil {
		return []Order{}
	}
	out := make([]Order, 0, len(acc.open))
	for _, o := range acc.open {
		if symbol == "" || o.Symbol == symbol {
			out = append(out, o.snapshot())
		}
	}
	sortOrders(out)
	return out
}

// AllOrders lists an account's remembered orders (open and closed) as
// OrderQuery describes; Symbol "" lists every symbol.
func (e *Engine) AllOrders(account string, q OrderQuery) []Order {
	e.mu.Lock()
	defer e.mu.Unlock()
	acc := e.accounts[account]
	if acc == nil {
		return []Order{}
	}
	all := make([]Order, 0, len(acc.orders))
	for _, o := range acc.orders {
		if q.Symbol == "" || o.Symbol == q.Symbol {
			all = append(all, o.snapshot())
		}
	}
	sortOrders(all)
	return selectPage(all, q, func(o Order) (int64, time.Time) { return o.OrderID, o.Time })
}

// MyTrades lists an account's remembered trades as OrderQuery describes;
// a non-zero orderID keeps only that order's trades.
func (e *Engine) MyTrades(account string, q OrderQuery, orderID int64) []Trade {
	e.mu.Lock()
	defer e.mu.Unlock()
	acc := e.accounts[account]
	if acc == nil {
		return []Trade{}
	}
	all := make([]Trade, 0, len(acc.trades))
	for _, t := range acc.trades {
		if (q.Symbol == "" || t.Symbol == q.Symbol) && (orderID == 0 || t.OrderID == orderID) {
			all = append(all, t)
		}
	}
	// Trades are stored in execution order, which is also time order.
	return selectPage(all, q, func(t Trade) (int64, time.Time) { return t.ID, t.Time })
}

// sortOrders sorts by time, then symbol, then id.
func sortOrders(orders []Order) {
	sort.Slice(orders, func(i, j int) bool {
		a, b := orders[i], orders[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.Symbol != b.Symbol {
			return a.Symbol < b.Symbol
		}
		return a.OrderID < b.OrderID
	})
}

// selectPage applies an OrderQuery to items sorted oldest first: FromID or
// Start pick the first Limit items from there; otherwise the newest Limit
// items (up to End) are returned.
func selectPage[T any](items []T, q OrderQuery, idTime func(T) (int64, time.Time)) []T {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultQueryLimit
	}
	limit = min(limit, MaxQueryLimit)
	out := make([]T, 0, min(limit, len(items)))
	for _, it := range items {
		id, t := idTime(it)
		if id < q.FromID ||
			!q.Start.IsZero() && t.Before(q.Start) ||
			!q.End.IsZero() && t.After(q.End) {
			continue
		}
		out = append(out, it)
	}
	if len(out) <= limit {
		return out
	}
	if q.FromID != 0 || !q.Start.IsZero() {
		return out[:limit]
	}
	return out[len(out)-limit:]
}
