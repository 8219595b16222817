package helm

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// TestInstall installs the chart with helm into a real kube-apiserver
// (envtest; nothing runs the pods), checks what the API server stored, and
// uninstalls it again. The ServiceMonitor and the PrometheusRule stay off:
// the control plane has no Prometheus Operator CRDs.
func TestInstall(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("TestInstall needs kube-apiserver and etcd: KUBEBUILDER_ASSETS is not set.\n" +
			"Run `make test`, or KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane) HELM=$(hack/tools.sh helm) go test ./test/helm/")
	}
	env := &envtest.Environment{}
	if _, err := env.Start(); err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatalf("adding the admin user: %v", err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigPath := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	c, err := client.New(admin.Config(), client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	out, errOut, err := helm(t, "install", release, chartDir, "--kubeconfig", kubeconfigPath,
		"--namespace", namespace, "--create-namespace",
		"--values", everythingOn, "--set", "metrics.serviceMonitor.enabled=false,prometheusRule.enabled=false")
	if err != nil {
		t.Fatalf("helm install: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, "STATUS: deployed") {
		t.Errorf("helm install printed no deployed status:\n%s", out)
	}

	for _, name := range []string{"tradingbots.trading.tradebot.dev", "symbolwatches.trading.tradebot.dev"} {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := c.Get(ctx, client.ObjectKey{Name: name}, &crd); err != nil {
			t.Errorf("CRD %s: %v", name, err)
		}
	}
	var d appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: release}, &d); err != nil {
		t.Fatalf("reading the Deployment: %v", err)
	}
	args := d.Spec.Template.Spec.Containers[0].Args
	if !slices.Contains(args, "--influx-token-file=/etc/tradebot/influx/admin-token") || !slices.Contains(args, "--leader-elect") {
		t.Errorf("stored Deployment args = %q", args)
	}
	// The simulator (on in everything-on.yaml) and its Service.
	var sim appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: simName}, &sim); err != nil {
		t.Errorf("reading the simulator Deployment: %v", err)
	} else if img := sim.Spec.Template.Spec.Containers[0].Image; img != "tradebot-exchange-sim:"+appVersion(t) {
		t.Errorf("stored simulator image = %q", img)
	}
	var simSvc corev1.Service
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: simName}, &simSvc); err != nil {
		t.Errorf("reading the simulator Service: %v", err)
	}
	var pvc corev1.PersistentVolumeClaim
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "tradebot-operator-spool"}, &pvc); err != nil {
		t.Errorf("reading the spool PVC: %v", err)
	}
	// The Grafana dashboard's ConfigMap, labelled for the sidecar.
	var dash corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: release + "-dashboard"}, &dash); err != nil {
		t.Errorf("reading the dashboard ConfigMap: %v", err)
	} else if dash.Labels["grafana_dashboard"] != "1" || !strings.Contains(dash.Data["tradebot-operator.json"], `"uid": "tradebot-operator"`) {
		t.Errorf("stored dashboard ConfigMap: labels %v, %d bytes of JSON", dash.Labels, len(dash.Data["tradebot-operator.json"]))
	}
	var want, got rbacv1.ClusterRole
	readYAML(t, "config/rbac/role.yaml", &want)
	if err := c.Get(ctx, client.ObjectKey{Name: release + "-manager"}, &got); err != nil {
		t.Fatalf("reading the ClusterRole: %v", err)
	}
	if !reflect.DeepEqual(got.Rules, want.Rules) {
		t.Errorf("stored ClusterRole rules:\n got %+v\nwant %+v", got.Rules, want.Rules)
	}

	if out, errOut, err := helm(t, "uninstall", release, "--kubeconfig", kubeconfigPath, "--namespace", namespace); err != nil {
		t.Fatalf("helm uninstall: %v\n%s%s", err, out, errOut)
	}
	gone := []struct {
		obj client.Object
		key client.ObjectKey
	}{
		{&appsv1.Deployment{}, client.ObjectKey{Namespace: namespace, Name: release}},
		{&rbacv1.ClusterRole{}, client.ObjectKey{Name: release + "-manager"}},
		{&appsv1.Deployment{}, client.ObjectKey{Namespace: namespace, Name: simName}},
		{&corev1.Service{}, client.ObjectKey{Namespace: namespace, Name: simName}},
	}
	for _, g := range gone {
		if err := c.Get(ctx, g.key, g.obj); !apierrors.IsNotFound(err) {
			t.Errorf("%T %s after uninstall: err = %v, want NotFound", g.obj, g.key, err)
		}
	}
	// The PVC keeps the pvc-protection finalizer until a controller-manager
	// (absent here) removes it: deletion must have been asked for.
	switch err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "tradebot-operator-spool"}, &pvc); {
	case apierrors.IsNotFound(err):
	case err != nil:
		t.Errorf("reading the spool PVC after uninstall: %v", err)
	case pvc.DeletionTimestamp == nil:
		t.Error("the spool PVC is not being deleted after uninstall")
	}
	// Helm leaves CRDs from crds/ installed, so uninstalling never deletes
	// the users' bots.
	var crd apiextensionsv1.CustomResourceDefinition
	if err := c.Get(ctx, client.ObjectKey{Name: "tradingbots.trading.tradebot.dev"}, &crd); err != nil {
		t.Errorf("CRD after uninstall: %v", err)
	}
}
