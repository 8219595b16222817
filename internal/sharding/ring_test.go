package sharding

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tradebot-operator/tradebot-operator/internal/testapiserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testLease = 1500 * time.Millisecond
	testRenew = 250 * time.Millisecond
)

// member is a running ring.
type member struct {
	ring    *Ring
	cancel  context.CancelFunc
	done    chan struct{}
	changes chan struct{}
}

func startMember(t *testing.T, c client.Client, ns, id string) *member {
	t.Helper()
	changes := make(chan struct{}, 1)
	r, err := New(Options{Client: c, Namespace: ns, Identity: id, LeaseDuration: testLease, RenewEvery: testRenew,
		OnChange: func() {
			select {
			case changes <- struct{}{}:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &member{ring: r, cancel: cancel, done: make(chan struct{}), changes: changes}
	go func() { defer close(m.done); _ = r.Run(ctx) }()
	t.Cleanup(m.stop)
	return m
}

func (m *member) stop() {
	m.cancel()
	<-m.done
}

func waitUntil(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s", what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func membersAre(ms []*member, want ...string) func() (bool, string) {
	return func() (bool, string) {
		state := ""
		ok := true
		for _, m := range ms {
			got := m.ring.Members()
			state += fmt.Sprintf("%s sees %v; ", m.ring.Identity(), got)
			ok = ok && slices.Equal(got, want)
		}
		return ok, state
	}
}

// agree checks that every key has one owner, the same in every view.
func agree(t *testing.T, ms []*member, keys int) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for i := range keys {
		k := fmt.Sprintf("default/bot-%d", i)
		owners := 0
		first := ms[0].ring.Owner(k)
		for _, m := range ms {
			if got := m.ring.Owner(k); got != first {
				t.Fatalf("%s: %s says %s owns it, %s says %s", k, ms[0].ring.Identity(), first, m.ring.Identity(), got)
			}
			if m.ring.Owns(k) {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("%s is owned by %d replicas", k, owners)
		}
		counts[first]++
	}
	return counts
}

// TestRingMembership: three replicas agree on the members and on every
// key's single owner; one stopped without a word is dropped after about
// the lease duration, and its keys move to the others; one that releases
// its Lease is dropped at the next listing; a dead member's Lease is
// collected.
func TestRingMembership(t *testing.T) {
	c, ns := startAPIServer(t)
	a, b, d := startMember(t, c, ns, "replica-a"), startMember(t, c, ns, "replica-b"), startMember(t, c, ns, "replica-c")
	all := []*member{a, b, d}
	waitUntil(t, "three members in every view", membersAre(all, "replica-a", "replica-b", "replica-c"))
	counts := agree(t, all, 3000)
	for id, n := range counts {
		if n < 800 {
			t.Errorf("%s owns %d of 3000 keys", id, n)
		}
	}

	// replica-c stops renewing (as if killed): it fences itself first,
	// then the others drop it.
	d.stop()
	stopped := time.Now()
	waitUntil(t, "the others dropping replica-c", membersAre([]*member{a, b}, "replica-a", "replica-b"))
	if gone := time.Since(stopped); gone < testLease-testRenew {
		t.Errorf("replica-c was dropped %s after its last renewal; a lease lasts %s", gone, testLease)
	}
	if !d.ring.Fenced() || d.ring.Owns("default/bot-1") {
		t.Error("a stopped replica still claims keys")
	}
	agree(t, []*member{a, b}, 3000)

	// replica-c's Lease stays behind until collected.
	waitUntil(t, "the dead member's Lease collected", func() (bool, string) {
		var l coordinationv1.Lease
		err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "tradebot-shard-replica-c"}, &l)
		return err != nil, fmt.Sprintf("Get: %v", err)
	})

	// replica-b releases its Lease: replica-a takes everything at once.
	b.stop()
	released := time.Now()
	if err := b.ring.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "replica-a alone", membersAre([]*member{a}, "replica-a"))
	if took := time.Since(released); took >= testLease {
		t.Errorf("a released Lease took %s to drop out, as long as a dead one", took)
	}
	agree(t, []*member{a}, 100)
}

// failingClient refuses Lease writes while fail is set.
type failingClient struct {
	client.Client
	mu   sync.Mutex
	fail bool
}

func (f *failingClient) set(v bool) { f.mu.Lock(); f.fail = v; f.mu.Unlock() }

func (f *failingClient) failing() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.fail }

func (f *failingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if f.failing() {
		return errors.New("the API server is unreachable")
	}
	return f.Client.Update(ctx, obj, opts...)
}

// TestRingFencesItself: a replica that cannot renew its Lease stops owning
// keys within FenceAfter — before the others can count it dead — and owns
// them again once it renews.
func TestRingFencesItself(t *testing.T) {
	c, ns := startAPIServer(t)
	fc := &failingClient{Client: c}
	r, err := New(Options{Client: fc, Namespace: ns, Identity: "lonely", LeaseDuration: testLease, RenewEvery: testRenew})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, "owning its keys", func() (bool, string) { return r.Owns("k"), fmt.Sprintf("members %v", r.Members()) })

	fc.set(true)
	cut := time.Now()
	waitUntil(t, "fenced", func() (bool, string) { return r.Fenced(), "not fenced" })
	if took := time.Since(cut); took > r.FenceAfter()+testRenew {
		t.Errorf("fenced %s after the renewals began to fail; FenceAfter is %s", took, r.FenceAfter())
	}
	if r.Owns("k") {
		t.Error("a fenced replica owns a key")
	}
	fc.set(false)
	waitUntil(t, "owning again", func() (bool, string) { return r.Owns("k"), "not yet" })
}

// TestNewRefusesBadOptions: each bad option is named.
func TestNewRefusesBadOptions(t *testing.T) {
	c := &failingClient{}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"no client", Options{Namespace: "n", Identity: "a"}},
		{"no namespace", Options{Client: c, Identity: "a"}},
		{"no identity", Options{Client: c, Namespace: "n"}},
		{"identity not a DNS name", Options{Client: c, Namespace: "n", Identity: "Replica_A"}},
		{"renewing too rarely", Options{Client: c, Namespace: "n", Identity: "a", LeaseDuration: 10 * time.Second, RenewEvery: 5 * time.Second}},
	} {
		if _, err := New(tc.opts); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// TestIsLiveLooksUpNewcomers: a replica that joined after this one's last
// listing counts as live (its claims must not be taken over), and one with
// no Lease counts as dead.
func TestIsLiveLooksUpNewcomers(t *testing.T) {
	c, ns := startAPIServer(t)
	// a lists once at start and then not for 10 s.
	slow, err := New(Options{Client: c, Namespace: ns, Identity: "replica-a", LeaseDuration: 30 * time.Second, RenewEvery: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = slow.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, "replica-a owning its keys", func() (bool, string) { return slow.Owns("k"), fmt.Sprintf("members %v", slow.Members()) })

	b := startMember(t, c, ns, "replica-b")
	waitUntil(t, "replica-b holding its Lease", func() (bool, string) { return b.ring.IsLive(ctx, "replica-b"), "fenced" })
	if got := slow.Members(); slices.Contains(got, "replica-b") {
		t.Fatalf("replica-a listed again too early (%v): the test shows nothing", got)
	}
	if !slow.IsLive(ctx, "replica-b") {
		t.Error("a replica that joined since the last listing counts as dead")
	}
	if slow.IsLive(ctx, "replica-never") {
		t.Error("a replica without a Lease counts as live")
	}
}

// listFailingClient answers Lease reads and writes but refuses listings
// while fail is set: what an overloaded API server does to a replica whose
// small renewals get through and whose lists time out.
type listFailingClient struct {
	client.Client
	mu   sync.Mutex
	fail bool
}

func (f *listFailingClient) set(v bool) { f.mu.Lock(); f.fail = v; f.mu.Unlock() }

func (f *listFailingClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		return context.DeadlineExceeded
	}
	return f.Client.List(ctx, list, opts...)
}

// TestFailedListingsKillNobody: a replica that cannot list the Leases for
// longer than a lease keeps counting the others live (it has no evidence
// that they stopped renewing), so it neither takes their keys nor their
// claims; a member that really stops renewing is counted dead once
// listings work again.
func TestFailedListingsKillNobody(t *testing.T) {
	c, ns := startAPIServer(t)
	lc := &listFailingClient{Client: c}
	a, err := New(Options{Client: lc, Namespace: ns, Identity: "replica-a", LeaseDuration: testLease, RenewEvery: testRenew})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	b := startMember(t, c, ns, "replica-b")
	waitUntil(t, "replica-a seeing both", func() (bool, string) {
		return slices.Equal(a.Members(), []string{"replica-a", "replica-b"}), fmt.Sprintf("members %v", a.Members())
	})

	lc.set(true)
	time.Sleep(3 * testLease)
	if got := a.Members(); !slices.Equal(got, []string{"replica-a", "replica-b"}) {
		t.Errorf("after %s of failed listings replica-a counts members %v; want both", 3*testLease, got)
	}
	if !a.IsLive(ctx, "replica-b") {
		t.Error("after failed listings replica-a counts replica-b's claims as dead")
	}

	// b stops renewing (killed: its Lease stays) while a cannot list; once
	// a lists again it counts b dead within a lease.
	b.stop()
	lc.set(false)
	waitUntil(t, "replica-b counted dead", func() (bool, string) {
		return slices.Equal(a.Members(), []string{"replica-a"}), fmt.Sprintf("members %v", a.Members())
	})
}

// TestFenceBetweenListingsIsAChange: when this replica's renewal is late,
// Fenced answers true between two listings, and the reconcilers let go of
// what they asked about then, with no ring change to bring them back. The
// listing after a renewal that ends such a fence must report a change, or
// those resources would wait for an unrelated event (a stuck failover).
func TestFenceBetweenListingsIsAChange(t *testing.T) {
	c, ns := startAPIServer(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	changes := 0
	r, err := New(Options{Client: c, Namespace: ns, Identity: "solo", LeaseDuration: testLease, RenewEvery: testRenew,
		Now: clock, OnChange: func() { changes++ }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r.step(ctx)
	if !r.Owns("k") || changes != 1 {
		t.Fatalf("after the first step: owns %v, %d changes; want true, 1", r.Owns("k"), changes)
	}
	r.step(ctx)
	if changes != 1 {
		t.Fatalf("a step that changed nothing reported a change (%d)", changes)
	}

	mu.Lock()
	now = now.Add(r.FenceAfter())
	mu.Unlock()
	if r.Owns("k") {
		t.Fatal("owns a key with its renewal a FenceAfter late")
	}
	r.step(ctx) // renews at the new time: the fence is over
	if !r.Owns("k") {
		t.Fatal("does not own its key again after renewing")
	}
	if changes != 2 {
		t.Errorf("the fence seen between listings ended with %d changes reported, want 2", changes)
	}
}

// startAPIServer starts a control plane for one test; a direct client and
// a fresh namespace are all the ring tests use of it.
func startAPIServer(t *testing.T) (client.Client, string) {
	t.Helper()
	api := testapiserver.Start(t, "ring", "ring")
	return api.Client, api.Namespace
}
