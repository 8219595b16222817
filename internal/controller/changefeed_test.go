package controller

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestParseGroupKey(t *testing.T) {
	tests := []struct {
		key      string
		wantKind string
		wantNN   types.NamespacedName
		wantOK   bool
	}{
		{"TradingBot/default/btc", "TradingBot", types.NamespacedName{Namespace: "default", Name: "btc"}, true},
		{"SymbolWatch/team-a/majors", "SymbolWatch", types.NamespacedName{Namespace: "team-a", Name: "majors"}, true},
		{"Other/ns/x", "Other", types.NamespacedName{Namespace: "ns", Name: "x"}, true},
		{"TradingBot/ns/a/b", "TradingBot", types.NamespacedName{Namespace: "ns", Name: "a/b"}, true},
		{"", "", types.NamespacedName{}, false},
		{"TradingBot", "", types.NamespacedName{}, false},
		{"TradingBot/ns", "", types.NamespacedName{}, false},
		{"ns/name", "", types.NamespacedName{}, false},
		{"TradingBot//name", "", types.NamespacedName{}, false},
		{"TradingBot/ns/", "", types.NamespacedName{}, false},
		{"/ns/name", "", types.NamespacedName{}, false},
	}
	for _, tt := range tests {
		kind, nn, ok := parseGroupKey(tt.key)
		if kind != tt.wantKind || nn != tt.wantNN || ok != tt.wantOK {
			t.Errorf("parseGroupKey(%q) = %q, %v, %v; want %q, %v, %v", tt.key, kind, nn, ok, tt.wantKind, tt.wantNN, tt.wantOK)
		}
	}
}

func TestGroupKeyRoundTrip(t *testing.T) {
	for _, kind := range []string{kindTradingBot, kindSymbolWatch} {
		nn := types.NamespacedName{Namespace: "ns-1", Name: "bot-1"}
		key := groupKey(kind, nn)
		gotKind, gotNN, ok := parseGroupKey(key)
		if !ok || gotKind != kind || gotNN != nn {
			t.Errorf("parseGroupKey(groupKey(%s, %v)) = %s, %v, %v", kind, nn, gotKind, gotNN, ok)
		}
	}
	if groupKey(kindTradingBot, types.NamespacedName{Namespace: "a", Name: "b"}) == groupKey(kindSymbolWatch, types.NamespacedName{Namespace: "a", Name: "b"}) {
		t.Error("a TradingBot and a SymbolWatch of the same name share a group key")
	}
}

func TestChangeFeedRoutesByKind(t *testing.T) {
	f := NewChangeFeed()
	f.Notify("TradingBot/ns/bot")
	f.Notify("SymbolWatch/ns2/watch")
	f.Notify("Unknown/ns/x")
	f.Notify("garbage")
	f.Notify("")

	if len(f.bots) != 1 || len(f.watches) != 1 {
		t.Fatalf("queued %d bot and %d watch events, want 1 and 1", len(f.bots), len(f.watches))
	}
	b := <-f.bots
	if b.Object.Namespace != "ns" || b.Object.Name != "bot" {
		t.Errorf("bot event for %s/%s, want ns/bot", b.Object.Namespace, b.Object.Name)
	}
	w := <-f.watches
	if w.Object.Namespace != "ns2" || w.Object.Name != "watch" {
		t.Errorf("watch event for %s/%s, want ns2/watch", w.Object.Namespace, w.Object.Name)
	}
}

// Notify is the supervisor's OnChange: it runs on the supervisor's
// dispatching goroutine and must never block, even when nobody reads.
func TestChangeFeedNeverBlocks(t *testing.T) {
	f := NewChangeFeed()
	for i := 0; i < changeFeedBuffer+10; i++ {
		f.Notify("TradingBot/ns/bot")
		f.Notify("SymbolWatch/ns/watch")
	}
	if len(f.bots) != changeFeedBuffer || len(f.watches) != changeFeedBuffer {
		t.Errorf("queues hold %d and %d events, want both full at %d", len(f.bots), len(f.watches), changeFeedBuffer)
	}
	// A full queue of one kind does not stop the other.
	g := NewChangeFeed()
	for i := 0; i < changeFeedBuffer+1; i++ {
		g.Notify("TradingBot/ns/bot")
	}
	g.Notify("SymbolWatch/ns/watch")
	if len(g.watches) != 1 {
		t.Errorf("watch queue holds %d events after the bot queue filled, want 1", len(g.watches))
	}
}

func TestChangeFeedNotifiesEndpointUsers(t *testing.T) {
	f := NewChangeFeed()
	a := groupKey(kindTradingBot, types.NamespacedName{Namespace: "ns", Name: "a"})
	b := groupKey(kindSymbolWatch, types.NamespacedName{Namespace: "ns", Name: "b"})
	c := groupKey(kindTradingBot, types.NamespacedName{Namespace: "ns", Name: "c"})
	f.track(a, "http://one")
	f.track(b, "http://one")
	f.track(c, "http://two")

	drain := func() (bots, watches []string) {
		for {
			select {
			case e := <-f.bots:
				bots = append(bots, e.Object.Name)
			case e := <-f.watches:
				watches = append(watches, e.Object.Name)
			default:
				return bots, watches
			}
		}
	}
	f.NotifyEndpoint("http://one")
	if bots, watches := drain(); len(bots) != 1 || bots[0] != "a" || len(watches) != 1 || watches[0] != "b" {
		t.Fatalf("endpoint one woke bots %v and watches %v, want [a] and [b]", bots, watches)
	}

	// A group that moves to another endpoint, or stops, is no longer woken.
	f.track(a, "http://two")
	f.untrack(b)
	f.NotifyEndpoint("http://one")
	if bots, watches := drain(); len(bots)+len(watches) != 0 {
		t.Fatalf("endpoint one, now unused, woke bots %v and watches %v", bots, watches)
	}
	f.NotifyEndpoint("http://two")
	if bots, _ := drain(); len(bots) != 2 {
		t.Fatalf("endpoint two woke %v, want a and c", bots)
	}
	f.untrack(a)
	f.untrack(c)
	if len(f.users) != 0 || len(f.endpointOf) != 0 {
		t.Fatalf("index not empty after every group left: %v %v", f.users, f.endpointOf)
	}
}
