package validation

import (
	"context"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestCRDNames reads the installed CRDs back and checks what kubectl shows:
// names, short names, category, the status subresource and the columns of
// `kubectl get`.
func TestCRDNames(t *testing.T) {
	tests := []struct {
		crd       string
		shortName string
		columns   []string
	}{
		{"tradingbots.trading.tradebot.dev", "tb",
			[]string{"Mode", "Phase", "Breaker", "Weight", "Signals", "PnL", "Age", "Replica"}},
		{"symbolwatches.trading.tradebot.dev", "sw",
			[]string{"Symbols", "Phase", "Breaker", "Lag", "Signals", "Age", "Replica"}},
	}
	for _, tc := range tests {
		t.Run(tc.crd, func(t *testing.T) {
			var crd apiextensionsv1.CustomResourceDefinition
			if err := k8sClient.Get(context.Background(), client.ObjectKey{Name: tc.crd}, &crd); err != nil {
				t.Fatalf("reading the CRD: %v", err)
			}
			if crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
				t.Errorf("scope = %s, want Namespaced", crd.Spec.Scope)
			}
			if got := crd.Spec.Names.ShortNames; !slices.Equal(got, []string{tc.shortName}) {
				t.Errorf("short names = %v, want [%s]", got, tc.shortName)
			}
			if got := crd.Spec.Names.Categories; !slices.Equal(got, []string{"trading"}) {
				t.Errorf("categories = %v, want [trading]", got)
			}
			if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1alpha1" {
				t.Fatalf("versions = %+v, want only v1alpha1", crd.Spec.Versions)
			}
			v := crd.Spec.Versions[0]
			if v.Subresources == nil || v.Subresources.Status == nil {
				t.Errorf("no status subresource")
			}
			var cols []string
			for _, c := range v.AdditionalPrinterColumns {
				cols = append(cols, c.Name)
			}
			if !slices.Equal(cols, tc.columns) {
				t.Errorf("printer columns = %v, want %v", cols, tc.columns)
			}
		})
	}
}
