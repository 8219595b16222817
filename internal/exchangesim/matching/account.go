package matching

import (
	"sort"

	"github.com/shopspring/decimal"
)

// account is one account's balances, orders and trades.
type account struct {
	id       string
	balances map[string]*Balance

	orders     map[orderKey]*order  // every order still remembered
	open       map[orderKey]*order  // the open ones
	byClientID map[clientKey]*order // the latest order with each client id
	openCount  map[string]int       // open orders per symbol
	closed     []orderKey           // closed orders, oldest first, for eviction
	trades     []Trade              // oldest first
}

func newAccount(id string) *account {
	return &account{
		id:         id,
		balances:   make(map[string]*Balance),
		orders:     make(map[orderKey]*order),
		open:       make(map[orderKey]*order),
		byClientID: make(map[clientKey]*order),
		openCount:  make(map[string]int),
	}
}

// balance returns an asset's balance (zero if the account never held it).
func (a *account) balance(asset string) Balance {
	if b, ok := a.balances[asset]; ok {
		return *b
	}
	return Balance{Asset: asset, Free: decimal.Zero, Locked: decimal.Zero}
}

// entry returns the mutable balance of an asset, creating it at zero.
func (a *account) entry(asset string) *Balance {
	b, ok := a.balances[asset]
	if !ok {
		b = &Balance{Asset: asset, Free: decimal.Zero, Locked: decimal.Zero}
		a.balances[asset] = b
	}
	return b
}

func (a *account) sortedBalances() []Balance {
	out := make([]Balance, 0, len(a.balances))
	for _, b := range a.balances {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Asset < out[j].Asset })
	return out
}

// UpsertAccount creates an account or replaces its free balances: each
// listed asset's free amount becomes the given value (negative values count
// as zero) and unlisted assets' free amounts become zero. Locked amounts and
// open orders are left alone, so the account's orders stay backed.
func (e *Engine) UpsertAccount(id string, balances map[string]decimal.Decimal) {
	e.mu.Lock()
	defer e.mu.Unlock()
	acc, ok := e.accounts[id]
	if !ok {
		acc = newAccount(id)
		e.accounts[id] = acc
	}
	for _, b := range acc.balances {
		b.Free = decimal.Zero
	}
	for asset, free := range balances {
		if free.IsNegative() {
			free = decimal.Zero
		}
		acc.entry(asset).Free = free
	}
}

// Balances returns an account's balances sorted by asset.
func (e *Engine) Balances(id string) ([]Balance, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	acc, ok := e.accounts[id]
	if !ok {
		return nil, false
	}
	return acc.sortedBalances(), true
}

// RemoveAccount deletes an account; its open orders leave the book without
// events.
func (e *Engine) RemoveAccount(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	acc, ok := e.accounts[id]
	if !ok {
		return
	}
	for _, o := range acc.open {
		e.books[o.Symbol].remove(o)
	}
	delete(e.accounts, id)
}

// addOpen records a new order that will rest on the book.
func (a *account) addOpen(o *order) {
	a.orders[o.key()] = o
	a.open[o.key()] = o
	a.byClientID[o.clientKey()] = o
	a.openCount[o.Symbol]++
}

// remember records a new order that closed during its placement.
func (a *account) remember(o *order, maxClosed int) {
	a.orders[o.key()] = o
	a.byClientID[o.clientKey()] = o
	a.pushClosed(o.key(), maxClosed)
}

// closeOpen moves an open order to the closed history.
func (a *account) closeOpen(o *order, maxClosed int) {
	delete(a.open, o.key())
	a.openCount[o.Symbol]--
	if a.openCount[o.Symbol] == 0 {
		delete(a.openCount, o.Symbol)
	}
	a.pushClosed(o.key(), maxClosed)
}

// pushClosed appends to the closed history and forgets the oldest closed
// orders beyond maxClosed.
func (a *account) pushClosed(k orderKey, maxClosed int) {
	a.closed = append(a.closed, k)
	for len(a.closed) > maxClosed {
		old := a.orders[a.closed[0]]
		a.closed = a.closed[1:]
		if old == nil {
			continue
		}
		delete(a.orders, old.key())
		if a.byClientID[old.clientKey()] == old {
			delete(a.byClientID, old.clientKey())
		}
	}
}

// addTrade appends a trade and forgets the oldest beyond maxTrades.
func (a *account) addTrade(t Trade, maxTrades int) {
	a.trades = append(a.trades, t)
	if extra := len(a.trades) - maxTrades; extra > 0 {
		a.trades = a.trades[extra:]
	}
}

// find looks an order up by id or, when id is zero, by client order id.
// With both, the order found by id must carry that client id. Among orders
// sharing a client id the latest wins.
func (a *account) find(symbol string, orderID int64, clientOrderID string) *order {
	if orderID != 0 {
		o := a.orders[orderKey{symbol, orderID}]
		if o == nil || (clientOrderID != "" && o.ClientOrderID != clientOrderID) {
			return nil
		}
		return o
	}
	return a.byClientID[clientKey{symbol, clientOrderID}]
}
