package helm

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"sigs.k8s.io/yaml"
)

// TestChartPush runs hack/chart-push.sh (what make chart-push runs) against
// an OCI registry served in this process on the loopback, then reads the
// chart back with helm and with a registry client.
func TestChartPush(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	repo := "oci://" + host + "/charts/tradebot"
	version := chartVersion(t)

	// One helm home for the push and the pull, as a user has.
	home := t.TempDir()
	env := append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(repoRoot, "hack", "chart-push.sh"), "--plain-http", "--out", out, repo)
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hack/chart-push.sh: %v\n%s", err, b)
	}
	printed := string(b)
	for _, want := range []string{"+ " + os.Getenv("HELM") + " package " + chartDir,
		"+ " + os.Getenv("HELM") + " push " + filepath.Join(out, "tradebot-operator-"+version+".tgz") + " " + repo + " --plain-http",
		"pushed " + repo + "/tradebot-operator:" + version} {
		if !strings.Contains(printed, want) {
			t.Errorf("chart-push.sh output lacks %q:\n%s", want, printed)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "tradebot-operator-"+version+".tgz")); err != nil {
		t.Errorf("the packaged chart is not kept in --out: %v", err)
	}

	// helm reads it back from the registry.
	show := exec.Command(os.Getenv("HELM"), "show", "chart", repo+"/tradebot-operator", "--version", version, "--plain-http")
	show.Env = env
	shown, err := show.Output()
	if err != nil {
		t.Fatalf("helm show chart: %v\n%s", err, shown)
	}
	var chart struct {
		Name       string `json:"name"`
		Version    string `json:"version"`
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(shown, &chart); err != nil {
		t.Fatalf("helm show chart printed %q: %v", shown, err)
	}
	if chart.Name != "tradebot-operator" || chart.Version != version || chart.AppVersion != appVersion(t) {
		t.Errorf("pulled chart %+v, want tradebot-operator %s (app %s)", chart, version, appVersion(t))
	}

	// It is an OCI artefact of Helm's media types, tagged with the chart's
	// version.
	ref, err := name.ParseReference(host+"/charts/tradebot/tradebot-operator:"+version, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatalf("reading the manifest: %v", err)
	}
	img, err := desc.Image()
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != "application/vnd.cncf.helm.config.v1+json" || len(m.Layers) == 0 ||
		m.Layers[0].MediaType != "application/vnd.cncf.helm.chart.content.v1.tar+gzip" {
		t.Errorf("manifest config %s, layers %+v: not a Helm chart artefact", m.Config.MediaType, m.Layers)
	}
}

// TestChartPushUsage checks that the script refuses a missing or non-OCI
// repository before doing anything.
func TestChartPushUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"registry.example/charts"}, {"--out"}} {
		cmd := exec.Command(filepath.Join(repoRoot, "hack", "chart-push.sh"), args...)
		b, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(b), "usage:") || strings.Contains(string(b), "+ ") {
			t.Errorf("chart-push.sh %q: err %v, output %q; want a usage error and no command run", args, err, b)
		}
	}
}

// chartVersion is the chart's version, the tag it is pushed under.
func chartVersion(t *testing.T) string {
	t.Helper()
	var chart struct {
		Version string `json:"version"`
	}
	b, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &chart); err != nil || chart.Version == "" {
		t.Fatalf("Chart.yaml version %q: %v", chart.Version, err)
	}
	return chart.Version
}
