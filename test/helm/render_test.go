package helm

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const everythingOn = "testdata/everything-on.yaml"

// tmpVolume and tmpMount are the operator's /tmp: an emptyDir, since the
// root filesystem is read-only.
func tmpVolume() corev1.Volume {
	return corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{
		EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("64Mi"))}}}
}

func tmpMount() corev1.VolumeMount { return corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"} }

func TestLint(t *testing.T) {
	for _, values := range [][]string{nil, {"--values", everythingOn}} {
		args := append([]string{"lint", "--strict", chartDir}, values...)
		out, errOut, err := helm(t, args...)
		if err != nil {
			t.Errorf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
	}
}

// TestArgs checks the operator's flags, in order, for values that change them.
func TestArgs(t *testing.T) {
	base := []string{"--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
		"--leader-elect", "--leader-election-id=tradebot-operator.trading.tradebot.dev"}
	intervals := []string{"--status-interval=10s", "--probe-interval=15s", "--exchange-request-timeout=10s",
		"--max-concurrent-reconciles=4", "--kube-api-qps=50", "--kube-api-burst=100",
		"--event-qps=10", "--event-burst=100"}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"defaults", nil, slices.Concat(base, intervals)},
		{"no leader election", []string{"--set", "leaderElection.enabled=false"},
			slices.Concat([]string{"--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"}, intervals)},
		{"ports", []string{"--set", "operator.metricsPort=9090,operator.probePort=9091"},
			slices.Concat([]string{"--metrics-bind-address=:9090", "--health-probe-bind-address=:9091"},
				base[2:], intervals)},
		{"sharding replaces leader election", []string{"--set", "sharding.enabled=true,sharding.leaseDuration=20s,sharding.egress=distinct"},
			slices.Concat(base[:2], []string{"--sharding", "--shard-lease-duration=20s", "--shard-egress=distinct"}, intervals)},
		{"simulator deployed", []string{"--set", "simulator.enabled=true"},
			slices.Concat(base, []string{"--simulator-url=http://tradebot-operator-exchange-sim.tradebot-system.svc:18090"}, intervals)},
		{"simulator deployed on another port", []string{"--set", "simulator.enabled=true,simulator.port=19000"},
			slices.Concat(base, []string{"--simulator-url=http://tradebot-operator-exchange-sim.tradebot-system.svc:19000"}, intervals)},
		{"simulator URL set", []string{"--set", "operator.simulatorURL=http://sim.elsewhere:18090"},
			slices.Concat(base, []string{"--simulator-url=http://sim.elsewhere:18090"}, intervals)},
		{"live trading", []string{"--set", "operator.allowLiveTrading=true"},
			slices.Concat(base, intervals, []string{"--allow-live-trading"})},
		{"influx url without token: the spool is on", []string{"--set", "influx.url=http://influx:8086"},
			slices.Concat(base, intervals, []string{"--influx-url=http://influx:8086",
				"--recording-spool-dir=/var/lib/tradebot/spool", "--recording-spool-bytes=268435456",
				"--recording-spool-commit-interval=100ms"})},
		{"token secret", []string{"--set", "influx.tokenSecret.name=creds"},
			slices.Concat(base, intervals, []string{"--influx-token-file=/etc/tradebot/influx/token"})},
		{"spool off", []string{"--set", "influx.url=http://influx:8086,influx.spool.enabled=false"},
			slices.Concat(base, intervals, []string{"--influx-url=http://influx:8086"})},
		{"no spool without InfluxDB", []string{"--set", "influx.spool.enabled=true"},
			slices.Concat(base, intervals)},
		{"spool size and commit interval", []string{"--set", "influx.url=http://influx:8086,influx.spool.sizeMiB=4096,influx.spool.commitInterval=250ms"},
			slices.Concat(base, intervals, []string{"--influx-url=http://influx:8086",
				"--recording-spool-dir=/var/lib/tradebot/spool", "--recording-spool-bytes=4294967296",
				"--recording-spool-commit-interval=250ms"})},
		{"everything on", []string{"--values", everythingOn},
			slices.Concat(base, []string{
				"--simulator-url=http://exchange-sim.tradebot-system:18090",
				"--status-interval=5s", "--probe-interval=30s", "--exchange-request-timeout=2500ms",
				"--max-concurrent-reconciles=8", "--kube-api-qps=12.5", "--kube-api-burst=40",
				"--event-qps=2.5", "--event-burst=20",
				"--influx-url=http://influxdb.monitoring:8086",
				"--influx-org=trading",
				"--influx-token-file=/etc/tradebot/influx/admin-token",
				"--recording-spool-dir=/var/lib/tradebot/spool",
				"--recording-spool-bytes=536870912",
				"--recording-spool-commit-interval=50ms",
				"--zap-log-level=debug",
				"--recording-buffer-points=50000",
			})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := render(t, tc.args...).deployment(t)
			if !slices.Equal(c.Args, tc.want) {
				t.Errorf("args:\n got %q\nwant %q", c.Args, tc.want)
			}
			if !slices.Equal(c.Command, []string{"/manager"}) {
				t.Errorf("command = %q, want [/manager]", c.Command)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	r := render(t)
	wantKinds := map[string]int{"Deployment": 1, "ServiceAccount": 1, "ClusterRole": 1,
		"ClusterRoleBinding": 1, "Role": 1, "RoleBinding": 1, "Service": 1}
	if got := r.kinds(); !reflect.DeepEqual(got, wantKinds) {
		t.Errorf("rendered kinds = %v, want %v", got, wantKinds)
	}
	d, c := r.deployment(t)
	if d.Name != release || d.Namespace != namespace {
		t.Errorf("deployment %s/%s, want %s/%s", d.Namespace, d.Name, namespace, release)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", d.Spec.Replicas)
	}
	if want := "tradebot-operator:" + appVersion(t); c.Image != want {
		t.Errorf("image = %q, want %q (the name and the appVersion tag that make image gives)", c.Image, want)
	}
	if !slices.Equal(c.Command, []string{"/manager"}) {
		t.Errorf("command = %q, want the image's entrypoint /manager", c.Command)
	}
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != release {
		t.Errorf("serviceAccountName = %q", pod.ServiceAccountName)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext = %+v, want non-root 65532 with RuntimeDefault seccomp", psc)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container securityContext = %+v, want read-only root, no escalation, drop ALL", sc)
	}
	for _, p := range []struct {
		probe *corev1.Probe
		path  string
	}{{c.LivenessProbe, "/healthz"}, {c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "probes" {
			t.Errorf("probe %+v, want GET %s on port probes", p.probe, p.path)
		}
	}
	// The root filesystem is read-only: /tmp is an emptyDir, the only
	// volume by default.
	if !reflect.DeepEqual(pod.Volumes, []corev1.Volume{tmpVolume()}) || !reflect.DeepEqual(c.VolumeMounts, []corev1.VolumeMount{tmpMount()}) {
		t.Errorf("volumes %+v, mounts %+v: want only the /tmp emptyDir by default", pod.Volumes, c.VolumeMounts)
	}
	if got := c.Resources.Limits.Memory(); got.Cmp(resource.MustParse("512Mi")) != 0 {
		t.Errorf("memory limit = %s, want 512Mi", got)
	}

	var svc corev1.Service
	r.named(t, "Service", release+"-metrics", &svc)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("metrics service ports = %+v", svc.Spec.Ports)
	}
	if !reflect.DeepEqual(svc.Spec.Selector, d.Spec.Selector.MatchLabels) {
		t.Errorf("service selector %v != deployment selector %v", svc.Spec.Selector, d.Spec.Selector.MatchLabels)
	}
}

// TestRBACMatchesConfig checks that the chart grants exactly the rules of
// the generated ClusterRole and of the leader-election Role in config/rbac,
// bound to the operator's ServiceAccount.
func TestRBACMatchesConfig(t *testing.T) {
	r := render(t)

	var want, got rbacv1.ClusterRole
	readYAML(t, "config/rbac/role.yaml", &want)
	r.one(t, "ClusterRole", &got)
	if len(want.Rules) == 0 || !reflect.DeepEqual(got.Rules, want.Rules) {
		t.Errorf("ClusterRole rules:\n got %+v\nwant %+v", got.Rules, want.Rules)
	}
	var wantLE, gotLE rbacv1.Role
	readYAML(t, "config/rbac/leader_election_role.yaml", &wantLE)
	r.one(t, "Role", &gotLE)
	if len(wantLE.Rules) == 0 || !reflect.DeepEqual(gotLE.Rules, wantLE.Rules) {
		t.Errorf("leader-election Role rules:\n got %+v\nwant %+v", gotLE.Rules, wantLE.Rules)
	}

	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: release, Namespace: namespace}
	var crb rbacv1.ClusterRoleBinding
	r.one(t, "ClusterRoleBinding", &crb)
	if crb.RoleRef.Kind != "ClusterRole" || crb.RoleRef.Name != got.Name || !slices.Equal(crb.Subjects, []rbacv1.Subject{sa}) {
		t.Errorf("ClusterRoleBinding %+v does not bind %s to %+v", crb, got.Name, sa)
	}
	var rb rbacv1.RoleBinding
	r.one(t, "RoleBinding", &rb)
	if rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != gotLE.Name || !slices.Equal(rb.Subjects, []rbacv1.Subject{sa}) {
		t.Errorf("RoleBinding %+v does not bind %s to %+v", rb, gotLE.Name, sa)
	}
}

// With InfluxDB configured the spool is on by default, in an emptyDir
// mounted where the flag points; no claim, the default update strategy.
func TestSpoolDefaults(t *testing.T) {
	r := render(t, "--set", "influx.url=http://influx:8086")
	d, c := r.deployment(t)
	wantVolumes := []corev1.Volume{
		tmpVolume(),
		{Name: "spool", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			SizeLimit: ptr(resource.MustParse("1Gi")),
		}}},
	}
	if !reflect.DeepEqual(d.Spec.Template.Spec.Volumes, wantVolumes) {
		t.Errorf("volumes:\n got %+v\nwant %+v", d.Spec.Template.Spec.Volumes, wantVolumes)
	}
	wantMounts := []corev1.VolumeMount{tmpMount(), {Name: "spool", MountPath: "/var/lib/tradebot/spool"}}
	if !reflect.DeepEqual(c.VolumeMounts, wantMounts) {
		t.Errorf("mounts:\n got %+v\nwant %+v", c.VolumeMounts, wantMounts)
	}
	if !slices.Contains(c.Args, "--recording-spool-dir=/var/lib/tradebot/spool") {
		t.Errorf("args %q lack the spool directory", c.Args)
	}
	if n := r.kinds()["PersistentVolumeClaim"]; n != 0 {
		t.Errorf("%d PersistentVolumeClaims rendered for an emptyDir spool", n)
	}
	if d.Spec.Strategy.Type != "" {
		t.Errorf("strategy = %q, want the default", d.Spec.Strategy.Type)
	}
}

func TestEverythingOn(t *testing.T) {
	r := render(t, "--values", everythingOn)
	wantKinds := map[string]int{"Deployment": 2, "ServiceAccount": 1, "ClusterRole": 1,
		"ClusterRoleBinding": 1, "Role": 1, "RoleBinding": 1, "Service": 2,
		"PersistentVolumeClaim": 1, "ServiceMonitor": 1, "ConfigMap": 1, "PrometheusRule": 1}
	if got := r.kinds(); !reflect.DeepEqual(got, wantKinds) {
		t.Errorf("rendered kinds = %v, want %v", got, wantKinds)
	}
	d, c := r.deployment(t)
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", *d.Spec.Replicas)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy = %q, want Recreate: the spool's claim is ReadWriteOnce", d.Spec.Strategy.Type)
	}
	pod := d.Spec.Template.Spec
	wantVolumes := []corev1.Volume{
		tmpVolume(),
		{Name: "influx-token", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "influx-credentials", DefaultMode: ptr(int32(0o440)),
			Items: []corev1.KeyToPath{{Key: "admin-token", Path: "admin-token"}},
		}}},
		{Name: "spool", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
			ClaimName: "tradebot-operator-spool",
		}}},
	}
	if !reflect.DeepEqual(pod.Volumes, wantVolumes) {
		t.Errorf("volumes:\n got %+v\nwant %+v", pod.Volumes, wantVolumes)
	}
	wantMounts := []corev1.VolumeMount{
		tmpMount(),
		{Name: "influx-token", MountPath: "/etc/tradebot/influx", ReadOnly: true},
		{Name: "spool", MountPath: "/var/lib/tradebot/spool"},
	}
	if !reflect.DeepEqual(c.VolumeMounts, wantMounts) {
		t.Errorf("mounts:\n got %+v\nwant %+v", c.VolumeMounts, wantMounts)
	}
	// The pod's name and namespace come first (the shard Lease's), then
	// extraEnv.
	if len(c.Env) != 3 || c.Env[0].Name != "POD_NAME" || c.Env[0].ValueFrom == nil || c.Env[0].ValueFrom.FieldRef == nil ||
		c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.name" || c.Env[1].Name != "POD_NAMESPACE" ||
		!reflect.DeepEqual(c.Env[2], corev1.EnvVar{Name: "GOMAXPROCS", Value: "2"}) {
		t.Errorf("env = %+v", c.Env)
	}
	if pod.NodeSelector["kubernetes.io/os"] != "linux" || len(pod.Tolerations) != 1 || pod.Tolerations[0].Value != "trading" {
		t.Errorf("nodeSelector %v, tolerations %+v", pod.NodeSelector, pod.Tolerations)
	}

	var pvc corev1.PersistentVolumeClaim
	r.one(t, "PersistentVolumeClaim", &pvc)
	if pvc.Name != "tradebot-operator-spool" || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "fast" ||
		pvc.Spec.Resources.Requests.Storage().Cmp(resource.MustParse("5Gi")) != 0 {
		t.Errorf("spool PVC = %+v", pvc)
	}

	// The Prometheus Operator's type, as far as the chart fills it in.
	var sm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Selector          metav1.LabelSelector `json:"selector"`
			NamespaceSelector struct {
				MatchNames []string `json:"matchNames"`
			} `json:"namespaceSelector"`
			Endpoints []struct {
				Port          string `json:"port"`
				Path          string `json:"path"`
				Interval      string `json:"interval"`
				ScrapeTimeout string `json:"scrapeTimeout"`
			} `json:"endpoints"`
		} `json:"spec"`
	}
	r.one(t, "ServiceMonitor", &sm)
	if sm.APIVersion != "monitoring.coreos.com/v1" || sm.Metadata.Labels["release"] != "prometheus" ||
		!reflect.DeepEqual(sm.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels) ||
		!slices.Equal(sm.Spec.NamespaceSelector.MatchNames, []string{namespace}) ||
		len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" || sm.Spec.Endpoints[0].Path != "/metrics" ||
		sm.Spec.Endpoints[0].Interval != "30s" {
		t.Errorf("ServiceMonitor = %+v", sm)
	}
}

// TestNoSecretRendered checks that the InfluxDB token is only ever
// referenced: no Secret, no object carrying data, no token in the
// environment; the Secret reaches the pod as a volume.
func TestNoSecretRendered(t *testing.T) {
	for _, args := range [][]string{nil, {"--values", everythingOn}} {
		r := render(t, args...)
		for _, o := range r.objects {
			var obj map[string]any
			if err := yaml.Unmarshal(o.YAML, &obj); err != nil {
				t.Fatal(err)
			}
			_, hasData := obj["data"]
			_, hasStringData := obj["stringData"]
			if o.Kind == "ConfigMap" && o.Name == release+"-dashboard" {
				// The Grafana dashboard, and nothing else.
				data, _ := obj["data"].(map[string]any)
				if _, ok := data["tradebot-operator.json"]; !ok || len(data) != 1 || hasStringData {
					t.Errorf("%v: the dashboard ConfigMap carries %v", args, data)
				}
				continue
			}
			if o.Kind == "Secret" || o.Kind == "ConfigMap" || hasData || hasStringData {
				t.Errorf("%v: %s %s carries data", args, o.Kind, o.Name)
			}
		}
		_, c := r.deployment(t)
		for _, e := range c.Env {
			if strings.Contains(strings.ToUpper(e.Name), "TOKEN") {
				t.Errorf("%v: env %s carries a token", args, e.Name)
			}
		}
	}
}

func TestBadValuesAreRefused(t *testing.T) {
	tests := []struct {
		set  string
		want string
	}{
		{"influx.url=http://i:8086,influx.spool.type=hostPath", "influx.spool.type must be emptyDir or pvc"},
		{"influx.url=http://i:8086,influx.spool.type=pvc,replicaCount=2", "influx.spool.type=pvc serves one replica"},
		{"influx.url=http://i:8086,influx.spool.sizeMiB=0", "influx.spool.sizeMiB must be at least 1"},
		{"serviceAccount.create=false", "serviceAccount.name is required"},
		{"metrics.serviceMonitor.enabled=true,metrics.service.enabled=false", "needs metrics.service.enabled"},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			_, errOut, err := helm(t, "template", release, chartDir, "--set", tc.set)
			if err == nil || !strings.Contains(errOut, tc.want) {
				t.Errorf("helm template --set %s: err %v, stderr %q; want a failure saying %q", tc.set, err, errOut, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestImage checks that a repository and tag set replace the defaults.
func TestImage(t *testing.T) {
	_, c := render(t, "--set", "image.repository=registry.example/tradebot/operator", "--set", "image.tag=1.2.3").deployment(t)
	if c.Image != "registry.example/tradebot/operator:1.2.3" {
		t.Errorf("image = %q", c.Image)
	}
}

// appVersion is the chart's appVersion, the default image tag.
func appVersion(t *testing.T) string {
	t.Helper()
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	b, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &chart); err != nil || chart.AppVersion == "" {
		t.Fatalf("Chart.yaml appVersion %q: %v", chart.AppVersion, err)
	}
	return chart.AppVersion
}
