package controller

import (
	"context"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// ringOf is a ShardRing that owns the keys it is given.
type ringOf map[string]bool

func (r ringOf) Identity() string                    { return "replica-0" }
func (r ringOf) Owns(key string) bool                { return r[key] }
func (r ringOf) IsLive(context.Context, string) bool { return true }

// After a ring change only the resources whose owner changes here are
// woken: a failover's claims must not queue behind every other resource.
func TestReshardWakesOnlyMovingResources(t *testing.T) {
	const (
		gained   = "TradingBot/default/gained"  // ours now, claimed by a dead replica
		unowned  = "TradingBot/default/unowned" // ours now, claimed by nobody
		lost     = "TradingBot/default/lost"    // another's now, still claimed here
		stayed   = "TradingBot/default/stayed"  // another's, claimed by it
		orphaned = "SymbolWatch/default/orphan" // ours and claimed here, but not running
	)
	ring := ringOf{gained: true, unowned: true, orphaned: true}
	changes := NewChangeFeed()
	op := &Operator{Supervisor: supervisor.New(supervisor.Options{}), Changes: changes, shards: ring}
	for key, claim := range map[string]string{
		gained: "replica-1", unowned: "", lost: "replica-0", stayed: "replica-2", orphaned: "replica-0",
	} {
		op.notifyIfMoving(key, claim)
	}
	woken := map[string]bool{}
	for len(changes.bots) > 0 {
		e := <-changes.bots
		woken[groupKey(kindTradingBot, client.ObjectKeyFromObject(e.Object))] = true
	}
	for len(changes.watches) > 0 {
		e := <-changes.watches
		woken[groupKey(kindSymbolWatch, client.ObjectKeyFromObject(e.Object))] = true
	}
	for _, key := range []string{gained, unowned, lost, orphaned} {
		if !woken[key] {
			t.Errorf("%s was not woken", key)
		}
	}
	if woken[stayed] {
		t.Errorf("%s was woken though nothing about it changes here", stayed)
	}

	// Without a ring every resource is woken.
	all := &Operator{Supervisor: op.Supervisor, Changes: NewChangeFeed()}
	all.notifyIfMoving(stayed, "replica-2")
	if len(all.Changes.bots) != 1 {
		t.Errorf("unsharded: %d wake-ups, want 1", len(all.Changes.bots))
	}
}
