package v1alpha1

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

func TestAddToSchemeRegistersEveryKind(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		obj  runtime.Object
		kind string
	}{
		{&TradingBot{}, "TradingBot"},
		{&TradingBotList{}, "TradingBotList"},
		{&SymbolWatch{}, "SymbolWatch"},
		{&SymbolWatchList{}, "SymbolWatchList"},
	}
	for _, tc := range tests {
		gvks, _, err := s.ObjectKinds(tc.obj)
		if err != nil {
			t.Errorf("%s: %v", tc.kind, err)
			continue
		}
		if len(gvks) != 1 || gvks[0] != GroupVersion.WithKind(tc.kind) {
			t.Errorf("%s registered as %v, want %v", tc.kind, gvks, GroupVersion.WithKind(tc.kind))
		}
	}
}
