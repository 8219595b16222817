// Command localcluster runs a throwaway Kubernetes control plane (etcd and
// kube-apiserver as local processes, started the way the envtest suites start
// them), installs the project's CRDs, writes an admin kubeconfig, and keeps
// running until SIGINT or SIGTERM, when it stops both processes and removes
// their state. make demo uses it where no cluster (and no Docker for kind)
// is available.
//
//	localcluster --kubeconfig /tmp/demo/kubeconfig --crds config/crd/bases
//
// The binaries come from KUBEBUILDER_ASSETS (see hack/tools.sh control-plane).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
}

func run() error {
	// A FlagSet of our own: controller-runtime (through envtest) registers
	// its own --kubeconfig on flag.CommandLine, and a second one panics.
	fs := flag.NewFlagSet("localcluster", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "where to write the admin kubeconfig (required)")
	crds := fs.String("crds", "config/crd/bases", "directory of CRD manifests to install")
	_ = fs.Parse(os.Args[1:]) // ExitOnError: Parse exits on a bad flag
	if *kubeconfig == "" {
		return errors.New("--kubeconfig is required")
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set; run: export KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)")
	}

	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{*crds},
		ErrorIfCRDPathMissing: true,
	}
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "localcluster: stopping:", err)
		}
	}()

	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("adding the admin user: %w", err)
	}
	cfg, err := admin.KubeConfig()
	if err != nil {
		return fmt.Errorf("building the kubeconfig: %w", err)
	}
	// Written last and renamed into place: its appearance means "ready".
	tmp := *kubeconfig + ".tmp"
	if err := os.WriteFile(tmp, cfg, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, *kubeconfig); err != nil {
		return err
	}
	fmt.Printf("localcluster: API server at %s, kubeconfig %s\n", admin.Config().Host, *kubeconfig)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Println("localcluster: stopping")
	return nil
}
