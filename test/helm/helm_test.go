package helm

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

const (
	release   = "tradebot-operator"
	namespace = "tradebot-system"
)

var (
	repoRoot = func() string {
		_, file, _, _ := runtime.Caller(0)
		return filepath.Join(filepath.Dir(file), "..", "..")
	}()
	chartDir = filepath.Join(repoRoot, "charts", "tradebot-operator")
)

func TestMain(m *testing.M) {
	if os.Getenv("HELM") == "" {
		fmt.Fprintln(os.Stderr, "test/helm needs the pinned helm binary: HELM is not set.\n"+
			"Run `make test`, or build it (and the control plane) once and run\n"+
			"  KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane) HELM=$(hack/tools.sh helm) go test ./test/helm/")
		os.Exit(1)
	}
	goleak.VerifyTestMain(m)
}

// helm runs the helm binary with its caches and configuration in a
// temporary directory, so the tests neither read nor write the user's.
func helm(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(os.Getenv("HELM"), args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECACHEDIR="+filepath.Join(home, "kube-cache"),
	)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// manifest is one rendered object: its kind and name, and its YAML.
type manifest struct {
	Kind string
	Name string
	YAML []byte
}

// rendered is what `helm template` printed, split into objects.
type rendered struct {
	raw     string
	objects []manifest
}

// render runs `helm template` on the chart with the given extra arguments
// (values files, --set) and splits the output into objects.
func render(t *testing.T, args ...string) rendered {
	t.Helper()
	full := append([]string{"template", release, chartDir, "--namespace", namespace}, args...)
	out, errOut, err := helm(t, full...)
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(full, " "), err, errOut)
	}
	r := rendered{raw: out}
	for _, doc := range strings.Split(out, "\n---") {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("rendered YAML does not parse: %v\n%s", err, doc)
		}
		if meta.Kind == "" {
			continue // only comments
		}
		r.objects = append(r.objects, manifest{Kind: meta.Kind, Name: meta.Metadata.Name, YAML: []byte(doc)})
	}
	return r
}

// kinds counts the rendered objects by kind.
func (r rendered) kinds() map[string]int {
	n := map[string]int{}
	for _, o := range r.objects {
		n[o.Kind]++
	}
	return n
}

// one decodes the only object of the given kind into into.
func (r rendered) one(t *testing.T, kind string, into any) {
	t.Helper()
	var found []manifest
	for _, o := range r.objects {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, rendered %d", kind, len(found))
	}
	if err := yaml.UnmarshalStrict(found[0].YAML, into); err != nil {
		t.Fatalf("decoding the %s: %v\n%s", kind, err, found[0].YAML)
	}
}

// named decodes the only object of the given kind and name into into.
func (r rendered) named(t *testing.T, kind, name string, into any) {
	t.Helper()
	var found []manifest
	for _, o := range r.objects {
		if o.Kind == kind && o.Name == name {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s %s, rendered %d", kind, name, len(found))
	}
	if err := yaml.UnmarshalStrict(found[0].YAML, into); err != nil {
		t.Fatalf("decoding the %s %s: %v\n%s", kind, name, err, found[0].YAML)
	}
}

// deployment returns the operator's rendered Deployment and its manager
// container.
func (r rendered) deployment(t *testing.T) (appsv1.Deployment, corev1.Container) {
	t.Helper()
	var d appsv1.Deployment
	r.named(t, "Deployment", release, &d)
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "manager" {
		t.Fatalf("want one container named manager, got %+v", cs)
	}
	return d, cs[0]
}

// readYAML decodes a file of the repository.
func readYAML(t *testing.T, rel string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("decoding %s: %v", rel, err)
	}
}
