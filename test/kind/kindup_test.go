package kind

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository's top directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// appVersion is the chart's appVersion, the images' tag.
func appVersion(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "charts", "tradebot-operator", "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^appVersion: *"?([^"\n]+)"?$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no appVersion in Chart.yaml")
	}
	return string(m[1])
}

// standIns makes a directory of executables named like the tools the real
// run uses; each appends its name to called if it is ever run.
func standIns(t *testing.T) (dir, called string) {
	t.Helper()
	dir = t.TempDir()
	called = filepath.Join(t.TempDir(), "called")
	for _, tool := range []string{"kind", "kubectl", "helm", "docker", "podman", "make", "go"} {
		script := "#!/bin/sh\necho " + tool + " \"$@\" >> " + called + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, called
}

// dryRun runs hack/kind-up.sh --dry-run with args, the stand-ins first on
// PATH and DIST set, and returns what it printed. It fails the test if the
// script ran any tool.
func dryRun(t *testing.T, dist string, args ...string) (out string, err error) {
	t.Helper()
	root := repoRoot(t)
	bin, called := standIns(t)
	cmd := exec.Command(filepath.Join(root, "hack", "kind-up.sh"), append([]string{"--dry-run"}, args...)...)
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "DIST=" + dist, "HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		// The defaults are under test: no KIND, KUBECTL, HELM or KIND_CLUSTER
		// from the caller's environment.
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains([]string{"PATH", "DIST", "HOME", "KIND", "KUBECTL", "HELM", "KIND_CLUSTER"}, k) {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if c, readErr := os.ReadFile(called); readErr == nil {
		t.Errorf("the dry run ran tools:\n%s", c)
	}
	return string(b), err
}

// commands are the printed command lines ("+ ..."), in order.
func commands(out string) []string {
	var cmds []string
	for _, line := range strings.Split(out, "\n") {
		if cmd, ok := strings.CutPrefix(line, "+ "); ok {
			cmds = append(cmds, cmd)
		}
	}
	return cmds
}

// TestDryRunPlan checks the whole plan on a machine without the images:
// make image first, then the cluster, the two archives, the chart with the
// simulator, the samples, the wait and the listing, in that order.
func TestDryRunPlan(t *testing.T) {
	root := repoRoot(t)
	dist := t.TempDir()
	version := appVersion(t, root)
	out, err := dryRun(t, dist, "--arch", "arm64")
	if err != nil {
		t.Fatalf("kind-up.sh --dry-run: %v\n%s", err, out)
	}
	chart := filepath.Join(root, "charts", "tradebot-operator")
	want := []string{
		"make -C " + root + " image DIST=" + dist + " PLATFORMS=linux/arm64",
		"kind get clusters",
		"kind create cluster --name tradebot --wait 2m",
		"kind load image-archive " + dist + "/tradebot-operator/linux-arm64.tar --name tradebot",
		"kind load image-archive " + dist + "/tradebot-exchange-sim/linux-arm64.tar --name tradebot",
		"helm upgrade --install tradebot-operator " + chart + " --kube-context kind-tradebot --namespace tradebot-system --create-namespace" +
			" --set simulator.enabled=true --set image.tag=" + version + " --set simulator.image.tag=" + version +
			" --set image.pullPolicy=IfNotPresent --set simulator.image.pullPolicy=IfNotPresent --wait --timeout 5m",
		"kubectl --context kind-tradebot apply --namespace default -k " + root + "/config/samples",
		"kubectl --context kind-tradebot wait --namespace default '--for=jsonpath={.status.phase}=Running' tradingbots,symbolwatches --all --timeout 5m",
		"kubectl --context kind-tradebot get tradingbots,symbolwatches -A",
	}
	if got := commands(out); !slices.Equal(got, want) {
		t.Errorf("plan:\n%s\nwant the commands:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The steps are announced in order, 1/7 to 7/7.
	var steps []string
	for _, line := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(line, "==> "); ok {
			steps = append(steps, strings.Fields(s)[0])
		}
	}
	if want := []string{"1/7", "2/7", "3/7", "4/7", "5/7", "6/7", "7/7"}; !slices.Equal(steps, want) {
		t.Errorf("steps %q, want %q", steps, want)
	}
	// The printed wait is a shell line: run through sh it gives kubectl
	// the jsonpath as one argument.
	wait := want[7]
	echo := exec.Command("sh", "-c", "printf '%s\\n' "+strings.TrimPrefix(wait, "kubectl "))
	b, err := echo.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Split(string(b), "\n"), "--for=jsonpath={.status.phase}=Running") {
		t.Errorf("the printed wait does not parse back into kubectl's argument: %q", b)
	}
}

// TestDryRunImagesPresent checks that archives already in DIST are used as
// they are, and that --name changes the cluster and the kube context.
func TestDryRunImagesPresent(t *testing.T) {
	dist := t.TempDir()
	for _, image := range []string{"tradebot-operator", "tradebot-exchange-sim"} {
		if err := os.MkdirAll(filepath.Join(dist, image), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dist, image, "linux-amd64.tar"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := dryRun(t, dist, "--arch", "amd64", "--name", "bots")
	if err != nil {
		t.Fatalf("kind-up.sh --dry-run: %v\n%s", err, out)
	}
	cmds := commands(out)
	if len(cmds) == 0 || strings.HasPrefix(cmds[0], "make ") {
		t.Errorf("plan %q builds images that are present", cmds)
	}
	for _, want := range []string{
		"kind create cluster --name bots --wait 2m",
		"kind load image-archive " + dist + "/tradebot-operator/linux-amd64.tar --name bots",
		"kind load image-archive " + dist + "/tradebot-exchange-sim/linux-amd64.tar --name bots",
		"kubectl --context kind-bots get tradingbots,symbolwatches -A",
	} {
		if !slices.Contains(cmds, want) {
			t.Errorf("plan lacks %q:\n%s", want, strings.Join(cmds, "\n"))
		}
	}
	for _, c := range cmds {
		if strings.Contains(c, "kind-tradebot") || strings.Contains(c, "--name tradebot") {
			t.Errorf("%q names the default cluster, not bots", c)
		}
	}
	// Only one archive present: both are built again.
	if err := os.Remove(filepath.Join(dist, "tradebot-exchange-sim", "linux-amd64.tar")); err != nil {
		t.Fatal(err)
	}
	out, err = dryRun(t, dist, "--arch", "amd64")
	if err != nil {
		t.Fatalf("kind-up.sh --dry-run: %v\n%s", err, out)
	}
	if cmds := commands(out); len(cmds) == 0 || !strings.HasPrefix(cmds[0], "make ") {
		t.Errorf("plan %q does not build the missing simulator image first", cmds)
	}
}

// TestBadArguments checks that unknown flags and architectures are refused
// before any step.
func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"--name"}, {"--arch", "s390x"}} {
		out, err := dryRun(t, t.TempDir(), args...)
		if err == nil || strings.Contains(out, "==> ") {
			t.Errorf("kind-up.sh --dry-run %q: err %v, output %q; want a refusal before any step", args, err, out)
		}
	}
}
