package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

func parse(t *testing.T, args ...string) (options, error) {
	t.Helper()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o, _, err := parseFlags(fs, args)
	return o, err
}

func TestScaleFlags(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.maxConcurrentReconciles != 4 || o.kubeAPIQPS != defaultKubeAPIQPS || o.kubeAPIBurst != defaultKubeAPIBurst {
		t.Errorf("defaults: %d workers, qps %v, burst %d; want 4, %v, %d",
			o.maxConcurrentReconciles, o.kubeAPIQPS, o.kubeAPIBurst, defaultKubeAPIQPS, defaultKubeAPIBurst)
	}
	o, err = parse(t, "--max-concurrent-reconciles=16", "--kube-api-qps=12.5", "--kube-api-burst=25")
	if err != nil {
		t.Fatal(err)
	}
	if o.maxConcurrentReconciles != 16 || o.kubeAPIQPS != 12.5 || o.kubeAPIBurst != 25 {
		t.Errorf("set: %d workers, qps %v, burst %d; want 16, 12.5, 25", o.maxConcurrentReconciles, o.kubeAPIQPS, o.kubeAPIBurst)
	}
	if o.eventQPS != 10 || o.eventBurst != 100 {
		t.Errorf("event budget defaults to %v/s, burst %d; want 10/s, burst 100", o.eventQPS, o.eventBurst)
	}
	if o.requestTimeout != 10*time.Second {
		t.Errorf("--exchange-request-timeout defaults to %s, want 10s", o.requestTimeout)
	}
	for _, bad := range []string{"--max-concurrent-reconciles=0", "--kube-api-qps=0", "--kube-api-qps=-1", "--kube-api-burst=0",
		"--event-qps=0", "--event-qps=-2", "--event-burst=0",
		"--exchange-request-timeout=0s", "--exchange-request-timeout=10m"} {
		if _, err := parse(t, bad); err == nil || !strings.Contains(err.Error(), strings.SplitN(bad, "=", 2)[0]) {
			t.Errorf("%s: error %v, want one naming the flag", bad, err)
		}
	}
}

// Every client built from the manager's config draws on one bucket; the
// leader election's config keeps the base's limits and no shared bucket.
func TestClientConfigsShareOneBudget(t *testing.T) {
	base := &rest.Config{Host: "https://127.0.0.1:6443", QPS: -1}
	mgr, leader := clientConfigs(base, options{kubeAPIQPS: 7, kubeAPIBurst: 9})
	if mgr.QPS != 7 || mgr.Burst != 9 || mgr.RateLimiter == nil {
		t.Fatalf("manager config: qps %v, burst %d, limiter %v; want 7, 9 and a limiter", mgr.QPS, mgr.Burst, mgr.RateLimiter)
	}
	if mgr.RateLimiter.QPS() != 7 {
		t.Errorf("limiter qps = %v, want 7", mgr.RateLimiter.QPS())
	}
	if base.RateLimiter != nil || base.QPS != -1 {
		t.Errorf("the base config was changed: qps %v, limiter %v", base.QPS, base.RateLimiter)
	}
	if leader.RateLimiter != nil || leader.QPS != -1 {
		t.Errorf("leader election config: qps %v, limiter %v; want the base's", leader.QPS, leader.RateLimiter)
	}

	// Two resource types' clients, built the way controller-runtime does
	// (from a copy of the config): the same bucket.
	restClient := func(gv schema.GroupVersion) *rest.RESTClient {
		c := rest.CopyConfig(mgr)
		c.GroupVersion = &gv
		c.APIPath = "/apis"
		c.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
		rc, err := rest.RESTClientFor(c)
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	a := restClient(schema.GroupVersion{Group: "trading.tradebot.dev", Version: "v1alpha1"})
	b := restClient(schema.GroupVersion{Group: "events.k8s.io", Version: "v1"})
	if a.GetRateLimiter() == nil || a.GetRateLimiter() != b.GetRateLimiter() {
		t.Errorf("clients of two resource types have limiters %p and %p; want one shared", a.GetRateLimiter(), b.GetRateLimiter())
	}
}

// TestShardFlags: --sharding takes its identity and namespace from the
// pod's environment, and refuses what cannot work, naming the flag.
func TestShardFlags(t *testing.T) {
	env := map[string]string{"POD_NAME": "op-7d9f-abc", "POD_NAMESPACE": "trading"}
	getenv := func(k string) string { return env[k] }
	host := func() (string, error) { return "node-host", nil }
	f := shardFlags{enabled: true, leaseDuration: 15 * time.Second, egress: egressShared}
	if err := f.check(false, getenv, host); err != nil {
		t.Fatal(err)
	}
	if f.identity != "op-7d9f-abc" || f.namespace != "trading" {
		t.Errorf("identity %q namespace %q, want the pod's", f.identity, f.namespace)
	}
	f = shardFlags{enabled: true, leaseDuration: 15 * time.Second, egress: egressShared, namespace: "ns"}
	if err := f.check(false, func(string) string { return "" }, host); err != nil || f.identity != "node-host" {
		t.Errorf("without POD_NAME: identity %q, error %v; want the host name", f.identity, err)
	}
	for _, tc := range []struct {
		name   string
		f      shardFlags
		leader bool
		want   string
	}{
		{"with leader election", shardFlags{enabled: true, leaseDuration: 15 * time.Second, egress: egressShared}, true, "--leader-elect"},
		{"no namespace", shardFlags{enabled: true, identity: "a", leaseDuration: 15 * time.Second, egress: egressShared}, false, "--shard-namespace"},
		{"lease too short", shardFlags{enabled: true, identity: "a", namespace: "n", leaseDuration: time.Second, egress: egressShared}, false, "--shard-lease-duration"},
		{"unknown egress", shardFlags{enabled: true, identity: "a", namespace: "n", leaseDuration: 15 * time.Second, egress: "nat"}, false, "--shard-egress"},
	} {
		err := tc.f.check(tc.leader, func(string) string { return "" }, host)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.want)
		}
	}
	off := shardFlags{}
	if err := off.check(true, getenv, host); err != nil {
		t.Errorf("sharding off: %v", err)
	}
}
