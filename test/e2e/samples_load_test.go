package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/yaml"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// samplesDir is config/samples, relative to this package.
const samplesDir = "../../config/samples"

// samples are the objects of config/samples, in the kustomization's order.
type samples struct {
	bots    []*tradingv1alpha1.TradingBot
	watches []*tradingv1alpha1.SymbolWatch
}

// loadSamples decodes (strictly) every file that
// config/samples/kustomization.yaml lists, placed in namespace.
func loadSamples(t *testing.T, namespace string) samples {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(samplesDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatalf("config/samples/kustomization.yaml: %v", err)
	}
	decoder := serializer.NewCodecFactory(newScheme(t), serializer.EnableStrict).UniversalDeserializer()
	var s samples
	for _, name := range k.Resources {
		data, err := os.ReadFile(filepath.Join(samplesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		obj, _, err := decoder.Decode(data, nil, nil)
		if err != nil {
			t.Fatalf("config/samples/%s: %v", name, err)
		}
		switch o := obj.(type) {
		case *tradingv1alpha1.TradingBot:
			o.Namespace = namespace
			s.bots = append(s.bots, o)
		case *tradingv1alpha1.SymbolWatch:
			o.Namespace = namespace
			s.watches = append(s.watches, o)
		default:
			t.Fatalf("config/samples/%s: unexpected kind %T", name, obj)
		}
	}
	if len(s.bots) == 0 || len(s.watches) == 0 {
		t.Fatalf("config/samples holds %d TradingBot(s) and %d SymbolWatch(es); the suite needs at least one of each",
			len(s.bots), len(s.watches))
	}
	return s
}
