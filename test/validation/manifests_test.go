package validation

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// documentedManifest is one TradingBot or SymbolWatch a user may copy: a
// file of config/samples or a YAML block of the README or docs/.
type documentedManifest struct {
	source string // file, and block number for Markdown
	yaml   []byte
}

// yamlBlock matches a fenced YAML block of a Markdown file.
var yamlBlock = regexp.MustCompile("(?ms)^```ya?ml[ \t]*\n(.*?)^```") //nolint:gocritic // (?m): ^ is a line start

// documentedManifests collects every manifest of this API group found in
// config/samples, README.md and docs/*.md.
func documentedManifests(t *testing.T) []documentedManifest {
	t.Helper()
	var out []documentedManifest
	add := func(source string, text []byte) {
		for i, doc := range bytes.Split(text, []byte("\n---")) {
			if bytes.Contains(doc, []byte("apiVersion: trading.tradebot.dev/")) {
				out = append(out, documentedManifest{source: fmt.Sprintf("%s#%d", source, i), yaml: doc})
			}
		}
	}
	samples, err := filepath.Glob(filepath.Join(repoRoot, "config", "samples", "trading_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range samples {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(filepath.Base(f), raw)
	}
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append([]string{filepath.Join(repoRoot, "README.md")}, docs...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range yamlBlock.FindAllSubmatch(raw, -1) {
			add(fmt.Sprintf("%s block %d", filepath.Base(f), i+1), m[1])
		}
	}
	return out
}

// TestDocumentedManifestsAreAccepted creates, for real, every manifest a
// user is shown (samples, README, docs) exactly as written, reads it back
// and checks that it holds what was written with the defaults filled in
// (by the server, the exchange block included when the manifest leaves it
// out, and by the operator's Go defaults for the blocks the server does not
// store).
func TestDocumentedManifestsAreAccepted(t *testing.T) {
	manifests := documentedManifests(t)
	// The README's quick example must be among them, or the extraction
	// broke and this test would check nothing.
	var readme int
	for _, m := range manifests {
		if strings.HasPrefix(m.source, "README.md") {
			readme++
		}
	}
	if readme == 0 || len(manifests) < 3 {
		t.Fatalf("found %d manifests (%d in the README); want the samples and the README's example", len(manifests), readme)
	}
	ctx := context.Background()
	for i, m := range manifests {
		t.Run(m.source, func(t *testing.T) {
			obj := mustObject(t, string(m.yaml))
			// Distinct names, since the README and the samples share some.
			obj.SetName(fmt.Sprintf("documented-%d", i))
			obj.SetNamespace("default")
			if err := k8sClient.Create(ctx, obj); err != nil {
				t.Fatalf("manifest from %s was refused: %v\n%s", m.source, err, m.yaml)
			}
			t.Cleanup(func() {
				if err := k8sClient.Delete(context.Background(), obj); err != nil {
					t.Errorf("deleting: %v", err)
				}
			})
			switch obj.GetKind() {
			case "TradingBot":
				var written v1.TradingBot
				if err := yaml.UnmarshalStrict(m.yaml, &written); err != nil {
					t.Fatalf("decoding: %v", err)
				}
				var got v1.TradingBot
				if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), &got); err != nil {
					t.Fatal(err)
				}
				// What the operator runs: the stored spec with the Go
				// defaults of the blocks the server does not store.
				want := written.Spec
				want.SetDefaults()
				got.Spec.SetDefaults()
				assertSpec(t, got.Spec, want)
				if got.Spec.Exchange.Endpoint == "" || got.Spec.Exchange.Name == "" || got.Spec.Exchange.KeyType == "" {
					t.Errorf("exchange not defaulted: %+v", got.Spec.Exchange)
				}
			case "SymbolWatch":
				var written v1.SymbolWatch
				if err := yaml.UnmarshalStrict(m.yaml, &written); err != nil {
					t.Fatalf("decoding: %v", err)
				}
				var got v1.SymbolWatch
				if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), &got); err != nil {
					t.Fatal(err)
				}
				// What the operator runs: the stored spec with the Go
				// defaults of the blocks the server does not store.
				want := written.Spec
				want.SetDefaults()
				got.Spec.SetDefaults()
				assertSpec(t, got.Spec, want)
				if got.Spec.Exchange.Endpoint == "" || got.Spec.Exchange.Name == "" || got.Spec.Exchange.KeyType == "" {
					t.Errorf("exchange not defaulted: %+v", got.Spec.Exchange)
				}
			default:
				t.Fatalf("unexpected kind %q", obj.GetKind())
			}
		})
	}
}

// TestExchangeBlockIsDefaulted leaves spec.exchange out, as the README's
// example does, and checks what the server stores.
func TestExchangeBlockIsDefaulted(t *testing.T) {
	ctx := context.Background()
	bot := mustObject(t, validBot)
	delete(bot.Object["spec"].(map[string]any), "exchange")
	bot.SetName("no-exchange-block")
	if err := k8sClient.Create(ctx, bot); err != nil {
		t.Fatalf("a bot without spec.exchange was refused: %v", err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(context.Background(), bot) })
	var got v1.TradingBot
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(bot), &got); err != nil {
		t.Fatal(err)
	}
	want := v1.ExchangeSpec{Name: v1.ExchangeBinance, Endpoint: v1.EndpointSimulator, KeyType: v1.KeyTypeHMAC}
	assertSpec(t, got.Spec.Exchange, want)

	watch := mustObject(t, validWatch)
	delete(watch.Object["spec"].(map[string]any), "exchange")
	watch.SetName("no-exchange-block")
	if err := k8sClient.Create(ctx, watch); err != nil {
		t.Fatalf("a watch without spec.exchange was refused: %v", err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(context.Background(), watch) })
	var gotWatch v1.SymbolWatch
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(watch), &gotWatch); err != nil {
		t.Fatal(err)
	}
	assertSpec(t, gotWatch.Spec.Exchange, want)
}
