package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of every kind in this package.
// It is a value that nothing assigns to; Go has no constant structs.
var GroupVersion = schema.GroupVersion{Group: "trading.tradebot.dev", Version: "v1alpha1"}

// AddToScheme registers TradingBot, SymbolWatch and their lists with s.
// It is a plain function rather than the usual init()-filled SchemeBuilder so
// that the package keeps no mutable state.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&TradingBot{}, &TradingBotList{},
		&SymbolWatch{}, &SymbolWatchList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
