package helm

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestChartCopiesMatchConfig checks that the chart's copies of generated
// files (make manifests writes them) are byte for byte the files in config/,
// and that no stale copy is left over.
func TestChartCopiesMatchConfig(t *testing.T) {
	pairs := map[string]string{
		"charts/tradebot-operator/files/role.yaml": "config/rbac/role.yaml",
	}
	bases, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(bases) == 0 {
		t.Fatalf("no CRDs in config/crd/bases (%v)", err)
	}
	var wantCRDs []string
	for _, b := range bases {
		name := filepath.Base(b)
		wantCRDs = append(wantCRDs, name)
		pairs["charts/tradebot-operator/crds/"+name] = "config/crd/bases/" + name
	}
	copies, err := filepath.Glob(filepath.Join(chartDir, "crds", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var gotCRDs []string
	for _, c := range copies {
		gotCRDs = append(gotCRDs, filepath.Base(c))
	}
	if !slices.Equal(gotCRDs, wantCRDs) {
		t.Errorf("chart crds/ holds %q, config/crd/bases holds %q: run make manifests", gotCRDs, wantCRDs)
	}
	for chartCopy, source := range pairs {
		got, err := os.ReadFile(filepath.Join(repoRoot, chartCopy))
		if err != nil {
			t.Errorf("%v: run make manifests", err)
			continue
		}
		want, err := os.ReadFile(filepath.Join(repoRoot, source))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s: run make manifests", chartCopy, source)
		}
	}
}

// TestIncludeCRDs checks that helm renders the CRDs from crds/ when asked
// (helm install applies them before the templates).
func TestIncludeCRDs(t *testing.T) {
	r := render(t, "--include-crds")
	var names []string
	for _, o := range r.objects {
		if o.Kind != "CustomResourceDefinition" {
			continue
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(o.YAML, &crd); err != nil {
			t.Fatalf("decoding CRD %s: %v", o.Name, err)
		}
		names = append(names, crd.Name)
	}
	slices.Sort(names)
	want := []string{"symbolwatches.trading.tradebot.dev", "tradingbots.trading.tradebot.dev"}
	if !slices.Equal(names, want) {
		t.Errorf("CRDs rendered = %q, want %q", names, want)
	}
	if strings.Count(render(t).raw, "kind: CustomResourceDefinition") != 0 {
		t.Error("CRDs rendered without --include-crds")
	}
}
