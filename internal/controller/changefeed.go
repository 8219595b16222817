package controller

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// changeFeedBuffer bounds each kind's queue of pending wake-ups. When it is
// full a wake-up is dropped: the periodic status refresh still comes.
const changeFeedBuffer = 1024

// ChangeFeed turns the supervisor's "something important changed for this
// group" notifications into events that the reconcilers watch through
// source.Channel, so status is refreshed at once instead of at the next
// interval. Notify never blocks.
type ChangeFeed struct {
	bots    chan event.TypedGenericEvent[*tradingv1alpha1.TradingBot]
	watches chan event.TypedGenericEvent[*tradingv1alpha1.SymbolWatch]

	mu sync.Mutex
	// users maps an endpoint's REST URL to the groups that use it, and
	// endpointOf back, so an endpoint's change wakes all of them.
	users      map[string]map[string]struct{}
	endpointOf map[string]string
}

// NewChangeFeed returns an empty feed.
func NewChangeFeed() *ChangeFeed {
	return &ChangeFeed{
		bots:       make(chan event.TypedGenericEvent[*tradingv1alpha1.TradingBot], changeFeedBuffer),
		watches:    make(chan event.TypedGenericEvent[*tradingv1alpha1.SymbolWatch], changeFeedBuffer),
		users:      make(map[string]map[string]struct{}),
		endpointOf: make(map[string]string),
	}
}

// NotifyEndpoint wakes the reconcilers of every group using the endpoint
// with this REST URL. It is the exchange registry's OnChange callback (a
// breaker transition, a 429 pause or a 418 ban).
func (f *ChangeFeed) NotifyEndpoint(restURL string) {
	f.mu.Lock()
	keys := make([]string, 0, len(f.users[restURL]))
	for k := range f.users[restURL] {
		keys = append(keys, k)
	}
	f.mu.Unlock()
	for _, k := range keys {
		f.Notify(k)
	}
}

// track records that group key uses the endpoint restURL.
func (f *ChangeFeed) track(key, restURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.untrackLocked(key)
	if f.users[restURL] == nil {
		f.users[restURL] = make(map[string]struct{})
	}
	f.users[restURL][key] = struct{}{}
	f.endpointOf[key] = restURL
}

// untrack forgets group key.
func (f *ChangeFeed) untrack(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.untrackLocked(key)
}

func (f *ChangeFeed) untrackLocked(key string) {
	url, ok := f.endpointOf[key]
	if !ok {
		return
	}
	delete(f.endpointOf, key)
	delete(f.users[url], key)
	if len(f.users[url]) == 0 {
		delete(f.users, url)
	}
}

// Notify wakes the reconciler of the resource that owns group key.
// It is the supervisor's OnChange callback.
func (f *ChangeFeed) Notify(key string) {
	kind, nn, ok := parseGroupKey(key)
	if !ok {
		return
	}
	meta := metav1.ObjectMeta{Namespace: nn.Namespace, Name: nn.Name}
	switch kind {
	case kindTradingBot:
		select {
		case f.bots <- event.TypedGenericEvent[*tradingv1alpha1.TradingBot]{Object: &tradingv1alpha1.TradingBot{ObjectMeta: meta}}:
		default:
		}
	case kindSymbolWatch:
		select {
		case f.watches <- event.TypedGenericEvent[*tradingv1alpha1.SymbolWatch]{Object: &tradingv1alpha1.SymbolWatch{ObjectMeta: meta}}:
		default:
		}
	}
}
