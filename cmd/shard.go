package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/sharding"
)

// shardFlags are the --shard-* flags: several replicas splitting the
// resources between them.
type shardFlags struct {
	enabled       bool
	identity      string
	namespace     string
	leaseDuration time.Duration
	egress        string
}

const (
	egressShared   = "shared"
	egressDistinct = "distinct"
)

func (f *shardFlags) bind(fs *flag.FlagSet) {
	fs.BoolVar(&f.enabled, "sharding", false, "split the resources among every replica started with it (each holds a Lease; excludes --leader-elect)")
	fs.StringVar(&f.identity, "shard-identity", "", "this replica's name in the ring (default: $POD_NAME, else the host name)")
	fs.StringVar(&f.namespace, "shard-namespace", "", "namespace of the replicas' Leases (default: $POD_NAMESPACE)")
	fs.DurationVar(&f.leaseDuration, "shard-lease-duration", 15*time.Second, "how long a replica's Lease may go unrenewed before the others take its resources over")
	fs.StringVar(&f.egress, "shard-egress", egressShared, "whether the replicas send to the exchange from one IP (shared: each takes 1/replicas of every endpoint's weight budget) or from distinct IPs (distinct: each takes the whole)")
}

// check validates the flags and fills the defaults from the environment.
func (f *shardFlags) check(leaderElect bool, getenv func(string) string, hostname func() (string, error)) error {
	if !f.enabled {
		return nil
	}
	if leaderElect {
		return errors.New("--sharding and --leader-elect exclude each other: with sharding every replica runs its share of the resources")
	}
	if f.identity == "" {
		f.identity = getenv("POD_NAME")
	}
	if f.identity == "" {
		h, err := hostname()
		if err != nil {
			return fmt.Errorf("--shard-identity is not set and the host name cannot be read: %w", err)
		}
		f.identity = h
	}
	if f.namespace == "" {
		f.namespace = getenv("POD_NAMESPACE")
	}
	if f.namespace == "" {
		return errors.New("--sharding needs --shard-namespace (or $POD_NAMESPACE) for the replicas' Leases")
	}
	if f.leaseDuration < 3*time.Second || f.leaseDuration > 5*time.Minute {
		return fmt.Errorf("--shard-lease-duration must be between 3s and 5m, got %s", f.leaseDuration)
	}
	if f.egress != egressShared && f.egress != egressDistinct {
		return fmt.Errorf("--shard-egress must be %q or %q, got %q", egressShared, egressDistinct, f.egress)
	}
	return nil
}

// ring builds the replicas' ring (nil without --sharding). Its Lease
// client is uncached and has a request budget of its own (cfg), so that
// renewals never queue behind status writes. onChange runs when the ring
// changes, after the weight share has been set.
func (f *shardFlags) ring(cfg *rest.Config, scheme *k8sruntime.Scheme, registry *exchange.Registry, onChange func()) (*sharding.Ring, error) {
	if !f.enabled {
		return nil, nil
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("the shard ring's client: %w", err)
	}
	var ring *sharding.Ring
	ring, err = sharding.New(sharding.Options{
		Client: c, Namespace: f.namespace, Identity: f.identity, LeaseDuration: f.leaseDuration,
		Logger: ctrl.Log.WithName("sharding"),
		OnChange: func() {
			if f.egress == egressShared {
				registry.SetWeightShare(1 / float64(max(len(ring.Members()), 1)))
			}
			onChange()
		},
	})
	if err != nil {
		return nil, fmt.Errorf("--sharding: %w", err)
	}
	return ring, nil
}

// ringRunnable runs the ring in the manager on every replica (it is not
// subject to leader election).
type ringRunnable struct{ ring *sharding.Ring }

func (r ringRunnable) Start(ctx context.Context) error { return r.ring.Run(ctx) }

func (ringRunnable) NeedLeaderElection() bool { return false }

// releaseRing deletes this replica's Lease once its groups have stopped.
func releaseRing(ring *sharding.Ring) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ring.Release(ctx); err != nil {
		ctrl.Log.WithName("sharding").Error(err, "releasing this replica's Lease; the others take its resources over when it expires")
	}
}
