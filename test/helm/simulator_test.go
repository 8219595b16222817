package helm

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

const simName = release + "-exchange-sim"

// TestSimulatorOffByDefault checks that nothing of the simulator is
// rendered unless asked for.
func TestSimulatorOffByDefault(t *testing.T) {
	r := render(t)
	for _, o := range r.objects {
		if strings.Contains(o.Name, "exchange-sim") {
			t.Errorf("%s %s rendered with simulator.enabled unset", o.Kind, o.Name)
		}
	}
}

// TestSimulator checks the simulator's Deployment and Service, that its
// pods and the operator's never select each other, and that the operator's
// --simulator-url names the Service.
func TestSimulator(t *testing.T) {
	r := render(t, "--set", "simulator.enabled=true")

	var d appsv1.Deployment
	r.named(t, "Deployment", simName, &d)
	if d.Namespace != namespace || d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("simulator Deployment %s/%s with %v replicas, want %s and 1", d.Namespace, d.Name, d.Spec.Replicas, namespace)
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one simulator container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if want := "tradebot-exchange-sim:" + appVersion(t); c.Image != want {
		t.Errorf("simulator image = %q, want %q (the image make image builds)", c.Image, want)
	}
	if len(c.Command) != 0 || !slices.Equal(c.Args, []string{"--listen=:18090"}) {
		t.Errorf("simulator command %q args %q, want the image's entrypoint with --listen=:18090", c.Command, c.Args)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 18090 || c.Ports[0].Name != "http" {
		t.Errorf("simulator ports = %+v", c.Ports)
	}
	rp := c.ReadinessProbe
	if rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Path != "/api/v3/ping" || rp.HTTPGet.Port.String() != "http" {
		t.Errorf("simulator readiness probe = %+v, want GET /api/v3/ping on port http", rp)
	}
	if c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
		t.Errorf("simulator resources = %+v, want requests and limits", c.Resources)
	}
	// The same pod security as the operator's.
	_, op := render(t).deployment(t)
	var opDeploy appsv1.Deployment
	r.named(t, "Deployment", release, &opDeploy)
	if !reflect.DeepEqual(pod.SecurityContext, opDeploy.Spec.Template.Spec.SecurityContext) {
		t.Errorf("simulator pod securityContext %+v differs from the operator's %+v", pod.SecurityContext, opDeploy.Spec.Template.Spec.SecurityContext)
	}
	if !reflect.DeepEqual(c.SecurityContext, op.SecurityContext) {
		t.Errorf("simulator container securityContext %+v differs from the operator's %+v", c.SecurityContext, op.SecurityContext)
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 ||
		sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("simulator security: pod %+v, container %+v", psc, sc)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the simulator pod mounts a service account token; it needs none")
	}

	var svc corev1.Service
	r.named(t, "Service", simName, &svc)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 18090 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("simulator Service ports = %+v", svc.Spec.Ports)
	}
	if !reflect.DeepEqual(svc.Spec.Selector, d.Spec.Selector.MatchLabels) ||
		!reflect.DeepEqual(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("simulator Service selector %v, Deployment selector %v, pod labels %v", svc.Spec.Selector,
			d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
	// Neither Deployment's selector may match the other's pods, nor may the
	// metrics Service select the simulator.
	var metricsSvc corev1.Service
	r.named(t, "Service", release+"-metrics", &metricsSvc)
	if selects(opDeploy.Spec.Selector.MatchLabels, d.Spec.Template.Labels) ||
		selects(metricsSvc.Spec.Selector, d.Spec.Template.Labels) ||
		selects(d.Spec.Selector.MatchLabels, opDeploy.Spec.Template.Labels) {
		t.Errorf("selectors overlap: operator %v, metrics %v, simulator %v; pods: operator %v, simulator %v",
			opDeploy.Spec.Selector.MatchLabels, metricsSvc.Spec.Selector, d.Spec.Selector.MatchLabels,
			opDeploy.Spec.Template.Labels, d.Spec.Template.Labels)
	}

	_, mgr := r.deployment(t)
	want := "--simulator-url=http://" + simName + "." + namespace + ".svc:18090"
	if !slices.Contains(mgr.Args, want) {
		t.Errorf("operator args %q, want %s", mgr.Args, want)
	}
	if strings.Count(strings.Join(mgr.Args, " "), "--simulator-url") != 1 {
		t.Errorf("operator args %q carry --simulator-url more than once", mgr.Args)
	}
}

// TestSimulatorValues checks the simulator's own values: image, port,
// extra flags and resources.
func TestSimulatorValues(t *testing.T) {
	r := render(t, "--set", "simulator.enabled=true,simulator.port=19000,simulator.image.repository=registry.example/sim,simulator.image.tag=2.0.0",
		"--set", "simulator.extraArgs={--seed=7,--symbols=BTCUSDT}", "--set", "simulator.resources.limits.memory=1Gi")
	var d appsv1.Deployment
	r.named(t, "Deployment", simName, &d)
	c := d.Spec.Template.Spec.Containers[0]
	if c.Image != "registry.example/sim:2.0.0" {
		t.Errorf("image = %q", c.Image)
	}
	if want := []string{"--listen=:19000", "--seed=7", "--symbols=BTCUSDT"}; !slices.Equal(c.Args, want) {
		t.Errorf("args = %q, want %q", c.Args, want)
	}
	if c.Ports[0].ContainerPort != 19000 {
		t.Errorf("port = %d, want 19000", c.Ports[0].ContainerPort)
	}
	if got := c.Resources.Limits.Memory(); got.Cmp(resource.MustParse("1Gi")) != 0 {
		t.Errorf("memory limit = %s, want 1Gi", got)
	}
	var svc corev1.Service
	r.named(t, "Service", simName, &svc)
	if svc.Spec.Ports[0].Port != 19000 {
		t.Errorf("Service port = %d, want 19000", svc.Spec.Ports[0].Port)
	}
}

// selects tells whether a label selector matches a pod's labels.
func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
