package controller

import (
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
}

// NewChangeFeed returns an empty feed.
func NewChangeFeed() *ChangeFeed {
	return &ChangeFeed{
		bots:    make(chan event.TypedGenericEvent[*tradingv1alpha1.TradingBot], changeFeedBuffer),
		watches: make(chan event.TypedGenericEvent[*tradingv1alpha1.SymbolWatch], changeFeedBuffer),
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
