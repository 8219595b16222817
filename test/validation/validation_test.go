package validation

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// repoRoot is the repository root seen from this package's directory.
var repoRoot = filepath.Join("..", "..")

// k8sClient talks to the suite's API server. TestMain sets it once, before
// any test runs, and nothing changes it afterwards.
var k8sClient client.Client

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

// runSuite starts a kube-apiserver and etcd with the generated CRDs
// installed, runs the tests, and stops them again.
func runSuite(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "test/validation needs kube-apiserver and etcd: KUBEBUILDER_ASSETS is not set.\n"+
			"Run `make test`, or build them once with `hack/tools.sh control-plane` and run\n"+
			"  KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane) go test ./test/validation/")
		return 1
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(repoRoot, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting envtest: %v\n", err)
		// Start fails after the control plane is up when a CRD is refused
		// (a rule over its cost budget, say): stop it, or it outlives us.
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping envtest: %v\n", err)
		}
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping envtest: %v\n", err)
		}
	}()

	scheme := runtime.NewScheme()
	if err := tradingv1alpha1.AddToScheme(scheme); err != nil {
		fmt.Fprintf(os.Stderr, "registering the API: %v\n", err)
		return 1
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		fmt.Fprintf(os.Stderr, "registering apiextensions: %v\n", err)
		return 1
	}
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintf(os.Stderr, "creating the client: %v\n", err)
		return 1
	}
	return m.Run()
}

// invalidCase is a change to a valid manifest that the API server must
// refuse, and the fragments its error message must contain.
type invalidCase struct {
	name string
	// patch is YAML merged into the valid spec: maps merge key by key, a
	// null deletes the key, anything else replaces the value.
	patch string
	want  []string
}

// runInvalidCases dry-run creates base (a whole manifest in YAML) with each
// case's patch applied to its spec, and checks that every one is refused as
// Invalid with all the expected fragments in the message.
func runInvalidCases(t *testing.T, base string, cases []invalidCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := patched(t, base, tc.name, tc.patch)
			err := k8sClient.Create(context.Background(), obj, client.DryRunAll)
			if err == nil {
				t.Fatalf("manifest was accepted; want it refused with %q", tc.want)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("got %v; want an Invalid error", err)
			}
			t.Log(err)
			checkReadable(t, err.Error())
			for _, frag := range tc.want {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q\n does not contain %q", err.Error(), frag)
				}
			}
		})
	}
}

// unreadable are fragments of refusals that show the schema's machinery
// instead of saying in words what is allowed: a raw regular expression, a
// CEL conversion or evaluation error, a rule quoted as its message.
var unreadable = []string{"should match", "type conversion error", "evaluating rule", "failed rule",
	"no such key", "no such overload", "compile error"}

// checkReadable fails the test when a refusal shows one of unreadable.
func checkReadable(t *testing.T, msg string) {
	t.Helper()
	for _, frag := range unreadable {
		if strings.Contains(msg, frag) {
			t.Errorf("refusal %q shows %q instead of saying in words what is allowed", msg, frag)
		}
	}
}

// validCase is a change to a valid manifest that the API server must
// still accept.
type validCase struct {
	name  string
	patch string
}

// runValidCases dry-run creates base with each case's patch applied to its
// spec and checks that every one is accepted.
func runValidCases(t *testing.T, base string, cases []validCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := patched(t, base, tc.name, tc.patch)
			if err := k8sClient.Create(context.Background(), obj, client.DryRunAll); err != nil {
				t.Fatalf("manifest was refused: %v", err)
			}
		})
	}
}

// patched parses manifest, merges patch into its spec and names the object
// after the test case.
func patched(t *testing.T, manifest, name, patch string) *unstructured.Unstructured {
	t.Helper()
	obj := mustObject(t, manifest)
	var p map[string]any
	if err := yaml.Unmarshal([]byte(patch), &p); err != nil {
		t.Fatalf("bad patch in test table: %v", err)
	}
	obj.Object["spec"] = merge(obj.Object["spec"], p)
	obj.SetName(strings.ToLower(strings.NewReplacer(" ", "-", "_", "-", ",", "").Replace(name)))
	return obj
}

// mustObject parses a YAML manifest.
func mustObject(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
		t.Fatalf("bad manifest in test: %v", err)
	}
	return obj
}

// merge applies patch to doc with JSON merge patch rules (RFC 7386).
func merge(doc any, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	d, ok := doc.(map[string]any)
	if !ok {
		d = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(d, k)
			continue
		}
		d[k] = merge(d[k], v)
	}
	return d
}
