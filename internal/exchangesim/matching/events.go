package matching

import (
	"sort"
	"time"
)

// Event is a user-data event for one account. The engine returns events as
// values: ExecutionReport and AccountPosition.
type Event interface{ AccountID() string }

// ExecutionReport says what happened to one order.
type ExecutionReport struct {
	Account       string
	Order         Order // the order's state right after this execution
	ExecutionType ExecutionType
	LastFill      *Fill // set for TRADE
	RejectReason  string
	EventTime     time.Time
}

// AccountID implements Event.
func (r ExecutionReport) AccountID() string { return r.Account }

// AccountPosition lists an account's balances that changed.
type AccountPosition struct {
	Account   string
	Balances  []Balance // changed assets only, sorted by asset
	EventTime time.Time
}

// AccountID implements Event.
func (p AccountPosition) AccountID() string { return p.Account }

// eventLog collects the events of one engine call. It remembers each touched
// balance as it was before the call so that the closing AccountPosition
// events list only assets whose free or locked amount really changed.
type eventLog struct {
	now      time.Time
	events   []Event
	accounts []*account                      // in order of first touch
	before   map[*account]map[string]Balance // asset → balance before the call
}

func newEventLog(now time.Time) *eventLog {
	return &eventLog{now: now, before: make(map[*account]map[string]Balance)}
}

func (l *eventLog) report(acc *account, o *order, exec ExecutionType, fill *Fill) {
	l.events = append(l.events, ExecutionReport{
		Account:       acc.id,
		Order:         o.snapshot(),
		ExecutionType: exec,
		LastFill:      fill,
		EventTime:     l.now,
	})
}

// touch records an asset's balance before its first change in this call.
func (l *eventLog) touch(acc *account, asset string) {
	seen, ok := l.before[acc]
	if !ok {
		seen = make(map[string]Balance)
		l.before[acc] = seen
		l.accounts = append(l.accounts, acc)
	}
	if _, ok := seen[asset]; !ok {
		seen[asset] = acc.balance(asset)
	}
}

// finish appends one AccountPosition per account whose balances changed and
// returns every event of the call.
func (l *eventLog) finish() []Event {
	for _, acc := range l.accounts {
		var changed []Balance
		for asset, was := range l.before[acc] {
			now := acc.balance(asset)
			if !now.Free.Equal(was.Free) || !now.Locked.Equal(was.Locked) {
				changed = append(changed, now)
			}
		}
		if len(changed) == 0 {
			continue
		}
		sort.Slice(changed, func(i, j int) bool { return changed[i].Asset < changed[j].Asset })
		l.events = append(l.events, AccountPosition{Account: acc.id, Balances: changed, EventTime: l.now})
	}
	return l.events
}
