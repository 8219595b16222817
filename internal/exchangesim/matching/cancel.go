package matching

import (
	"sort"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// CancelOrder cancels one open order, found by orderID or, when orderID is
// zero, by origClientOrderID (with both, the order found by id must carry
// that client id). An unknown or already closed order gives -2011
// "Unknown order sent.".
func (e *Engine) CancelOrder(account, symbol string, orderID int64, origClientOrderID string) (Order, []Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.books[symbol]
	if b == nil {
		return Order{}, nil, apierr.InvalidSymbol()
	}
	if orderID == 0 && origClientOrderID == "" {
		return Order{}, nil, apierr.BadParam(msgNoOrderID)
	}
	acc := e.accounts[account]
	if acc == nil {
		return Order{}, nil, apierr.Rejected(apierr.CodeCancelRejected, msgUnknownOrder)
	}
	o := acc.find(symbol, orderID, origClientOrderID)
	if o == nil || !o.Status.open() {
		return Order{}, nil, apierr.Rejected(apierr.CodeCancelRejected, msgUnknownOrder)
	}
	log := newEventLog(e.now())
	e.closeResting(b, o, StatusCanceled, ExecCanceled, log)
	return o.snapshot(), log.finish(), nil
}

// CancelOpenOrders cancels every open order of an account on one symbol,
// oldest order id first. With none open it answers -2011 like Binance.
func (e *Engine) CancelOpenOrders(account, symbol string) ([]Order, []Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.books[symbol]
	if b == nil {
		return nil, nil, apierr.InvalidSymbol()
	}
	acc := e.accounts[account]
	var open []*order
	if acc != nil {
		for _, o := range acc.open {
			if o.Symbol == symbol {
				open = append(open, o)
			}
		}
	}
	if len(open) == 0 {
		return nil, nil, apierr.Rejected(apierr.CodeCancelRejected, msgUnknownOrder)
	}
	sort.Slice(open, func(i, j int) bool { return open[i].OrderID < open[j].OrderID })
	log := newEventLog(e.now())
	canceled := make([]Order, 0, len(open))
	for _, o := range open {
		e.closeResting(b, o, StatusCanceled, ExecCanceled, log)
		canceled = append(canceled, o.snapshot())
	}
	return canceled, log.finish(), nil
}
