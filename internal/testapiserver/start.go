package testapiserver

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Env is a running control plane as a test sees it.
type Env struct {
	Config    *rest.Config
	Client    client.Client
	Scheme    *k8sruntime.Scheme // client-go's built-in kinds
	Namespace string             // created for the test
}

// Start starts kube-apiserver and etcd for t, which the tests of what
// need, and a namespace named after prefix. It fails t with the way to get
// the binaries when KUBEBUILDER_ASSETS is not set.
func Start(t testing.TB, what, prefix string) Env {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("the " + what + " tests need kube-apiserver and etcd, and KUBEBUILDER_ASSETS is not set.\n" +
			"Run `make test`, or: export KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)")
	}
	env := &envtest.Environment{}
	cfg, err := env.Start()
	// Stopped even when Start fails: it can fail with the control plane
	// already up, which must not outlive the test.
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return Env{Config: cfg, Client: c, Scheme: scheme, Namespace: ns.Name}
}
