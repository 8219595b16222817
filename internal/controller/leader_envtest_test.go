package controller

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"
)

// testLeaderElectionRole runs a manager with leader election as the
// operator's identity, given config/rbac/leader_election_role.yaml (the
// chart's leader-election Role is the same) in a namespace of its own: it
// must win the Lease and, on the way out, release it.
func testLeaderElectionRole(t *testing.T, s *envSuite) {
	ctx := context.Background()
	ns := s.namespace(t, "leader")
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "leader_election_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.Role
	if err := yaml.Unmarshal(raw, &role); err != nil {
		t.Fatalf("config/rbac/leader_election_role.yaml: %v", err)
	}
	role.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: "leader-election"}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "leader-election"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: operatorUser}},
	}
	if err := s.c.Create(ctx, &role); err != nil {
		t.Fatal(err)
	}
	if err := s.c.Create(ctx, binding); err != nil {
		t.Fatal(err)
	}

	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	const id = "tradebot-operator.trading.tradebot.dev"
	mgr, err := ctrl.NewManager(rest.CopyConfig(s.operatorCfg), ManagerOptions(ctrl.Options{
		Scheme:                        scheme,
		Logger:                        ctrl.Log.WithName("leader-test"),
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:        "0",
		LeaderElection:                true,
		LeaderElectionNamespace:       ns,
		LeaderElectionID:              id,
		LeaderElectionReleaseOnCancel: true,
		// Short, so a refused renewal shows within the test.
		LeaseDuration: ptrTo(4 * time.Second),
		RenewDeadline: ptrTo(3 * time.Second),
		RetryPeriod:   ptrTo(500 * time.Millisecond),
	}))
	if err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer utilnet.CloseIdleConnectionsFor(mgr.GetHTTPClient().Transport)
	select {
	case <-mgr.Elected():
	case err := <-done:
		cancel()
		t.Fatalf("the manager stopped before it was elected: %v", err)
	case <-time.After(waitTimeout):
		cancel()
		<-done //nolint:errcheck // stopping after the failure already reported below
		t.Fatal("not elected: the Role does not let the operator take its Lease")
	}
	// Held through a few renewals.
	time.Sleep(2 * time.Second)
	select {
	case err := <-done:
		cancel()
		t.Fatalf("the manager stopped while leading (a renewal refused?): %v", err)
	default:
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("manager: %v", err)
	}
	var lease coordinationv1.Lease
	if err := s.c.Get(ctx, types.NamespacedName{Namespace: ns, Name: id}, &lease); err != nil {
		t.Fatalf("reading the Lease: %v", err)
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != "" {
		t.Errorf("the Lease is still held by %q after the manager stopped: releasing it was refused", *h)
	}
}

func ptrTo[T any](v T) *T { return &v }
