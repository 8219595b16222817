package controller

import (
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// Group keys name a resource's goroutine group in the supervisor: the kind,
// then namespace/name, so a TradingBot and a SymbolWatch may share a name.
const (
	kindTradingBot  = "TradingBot"
	kindSymbolWatch = "SymbolWatch"
)

func groupKey(kind string, nn types.NamespacedName) string {
	return kind + "/" + nn.Namespace + "/" + nn.Name
}

// parseGroupKey splits a group key; ok is false for a malformed key.
func parseGroupKey(key string) (kind string, nn types.NamespacedName, ok bool) {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", types.NamespacedName{}, false
	}
	return parts[0], types.NamespacedName{Namespace: parts[1], Name: parts[2]}, true
}
