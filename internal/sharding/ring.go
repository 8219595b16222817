package sharding

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// MemberLabel marks the Leases of a ring's members; its value is the
// ring's prefix, so that two operators in one namespace keep two rings.
const MemberLabel = "trading.tradebot.dev/shard-ring"

// Options configure a Ring.
type Options struct {
	// Client reads and writes Leases; it must not be a cache (a cached
	// read could show a Lease as renewed after it stopped being).
	Client client.Client
	// Namespace holds the Leases; Prefix names them (PREFIX-IDENTITY).
	Namespace, Prefix string
	// Identity is this replica's name (a pod name); unique in the ring.
	Identity string
	// LeaseDuration is how long a member's Lease may go unrenewed before
	// the others count it dead (default 15s); RenewEvery how often each
	// member renews its own and lists the others' (default LeaseDuration/5).
	LeaseDuration, RenewEvery time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// OnChange is called, without blocking, when the live members or this
	// replica's own standing change: every key's owner may have moved.
	OnChange func()
	Logger   logr.Logger
}

// Ring is one replica's view of the members and of which member owns a
// key. Create it with New and run it with Run.
type Ring struct {
	opts      Options
	leaseName string

	mu sync.Mutex
	// seen is, per member, its Lease's last resourceVersion and when this
	// replica saw it change.
	seen map[string]observation
	// live is the sorted live members, this replica included while it
	// holds its Lease.
	live []string
	// renewed is when this replica last renewed its own Lease.
	renewed time.Time
	// listed is when this replica last listed the Leases. Members age
	// against it, not against the clock: a replica whose listings fail (an
	// overloaded API server answers its renewals but times out its lists)
	// has no evidence that the others stopped renewing, and counting them
	// dead would make it claim resources they still run.
	listed time.Time
	fenced bool
	// fencedBetween: Fenced found the renewal late between two listings
	// (so answered true) while fenced was false. Whatever it refused then
	// was refused without a ring change; the next recompute reports one,
	// so that the refused resources are looked at again.
	fencedBetween bool
}

type observation struct {
	version string
	at      time.Time
}

// New checks opts and returns a Ring that owns nothing until Run has
// renewed its Lease once.
func New(opts Options) (*Ring, error) {
	switch {
	case opts.Client == nil:
		return nil, errors.New("sharding: a client is required")
	case opts.Namespace == "":
		return nil, errors.New("sharding: a namespace for the Leases is required")
	case opts.Identity == "":
		return nil, errors.New("sharding: the replica's identity is required")
	}
	if opts.Prefix == "" {
		opts.Prefix = "tradebot-shard"
	}
	name := opts.Prefix + "-" + opts.Identity
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return nil, fmt.Errorf("sharding: the Lease name %q is not valid: %s", name, errs[0])
	}
	if errs := validation.IsValidLabelValue(opts.Prefix); len(errs) > 0 {
		return nil, fmt.Errorf("sharding: the prefix %q is not a valid label value: %s", opts.Prefix, errs[0])
	}
	if opts.LeaseDuration <= 0 {
		opts.LeaseDuration = 15 * time.Second
	}
	if opts.RenewEvery <= 0 {
		opts.RenewEvery = opts.LeaseDuration / 5
	}
	if opts.RenewEvery*3 > opts.LeaseDuration {
		return nil, fmt.Errorf("sharding: renewing every %s leaves no room in a %s lease: renew at least three times per lease", opts.RenewEvery, opts.LeaseDuration)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnChange == nil {
		opts.OnChange = func() {}
	}
	return &Ring{opts: opts, leaseName: name, seen: map[string]observation{}, fenced: true}, nil
}

// Identity is this replica's name in the ring.
func (r *Ring) Identity() string { return r.opts.Identity }

// FenceAfter is how long this replica goes on owning keys without a
// successful renewal of its Lease: a third of the lease, so that what it
// runs is stopped well before another replica can count it dead.
func (r *Ring) FenceAfter() time.Duration { return r.opts.LeaseDuration / 3 }

// Run renews this replica's Lease and watches the others' until ctx ends.
// It does not delete the Lease on return: call Release once everything
// this replica ran has stopped.
func (r *Ring) Run(ctx context.Context) error {
	t := time.NewTicker(r.opts.RenewEvery)
	defer t.Stop()
	for {
		r.step(ctx)
		select {
		case <-ctx.Done():
			r.setFenced(true)
			return nil
		case <-t.C:
		}
	}
}

// step renews, lists and recomputes once. The renewal may take until this
// replica would be fenced, and the listing a period of its own: on a slow
// API server a late answer is still worth having.
func (r *Ring) step(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, r.FenceAfter())
	defer cancel()
	if err := r.renew(rctx); err != nil {
		r.opts.Logger.Info("could not renew this replica's shard lease", "lease", r.leaseName, "error", err.Error())
	} else {
		r.mu.Lock()
		r.renewed = r.opts.Now()
		r.mu.Unlock()
	}
	cctx, cancelList := context.WithTimeout(ctx, max(r.opts.RenewEvery, r.FenceAfter()))
	defer cancelList()
	var list coordinationv1.LeaseList
	err := r.opts.Client.List(cctx, &list, client.InNamespace(r.opts.Namespace), client.MatchingLabels{MemberLabel: r.opts.Prefix})
	if err != nil {
		r.opts.Logger.Info("could not list the shard leases", "error", err.Error())
	}
	r.recompute(list.Items, err == nil)
	if err == nil {
		r.collect(cctx, list.Items)
	}
}

// collectAfter is how long a member's Lease may stay unrenewed before any
// member deletes it: a replica killed outright leaves its Lease behind,
// and pod names are not reused.
func (r *Ring) collectAfter() time.Duration { return 4 * r.opts.LeaseDuration }

// collect deletes the Leases of members dead for collectAfter, each only
// at the version this replica saw, so a renewal in between keeps it.
func (r *Ring) collect(ctx context.Context, leases []coordinationv1.Lease) {
	now := r.opts.Now()
	for i := range leases {
		l := &leases[i]
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == r.opts.Identity {
			continue
		}
		r.mu.Lock()
		o, ok := r.seen[*l.Spec.HolderIdentity]
		r.mu.Unlock()
		if !ok || o.version != l.ResourceVersion || now.Sub(o.at) < r.collectAfter() {
			continue
		}
		err := r.opts.Client.Delete(ctx, l, client.Preconditions{ResourceVersion: &l.ResourceVersion})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			r.opts.Logger.Info("could not delete a dead member's shard lease", "lease", l.Name, "error", err.Error())
		}
	}
}

// renew creates or updates this replica's Lease.
func (r *Ring) renew(ctx context.Context) error {
	now := metav1.NewMicroTime(r.opts.Now())
	secs := int32(r.opts.LeaseDuration / time.Second)
	var l coordinationv1.Lease
	err := r.opts.Client.Get(ctx, client.ObjectKey{Namespace: r.opts.Namespace, Name: r.leaseName}, &l)
	if apierrors.IsNotFound(err) {
		l = coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Namespace: r.opts.Namespace, Name: r.leaseName, Labels: map[string]string{MemberLabel: r.opts.Prefix}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &r.opts.Identity, LeaseDurationSeconds: &secs,
				AcquireTime: &now, RenewTime: &now},
		}
		return r.opts.Client.Create(ctx, &l)
	}
	if err != nil {
		return err
	}
	if h := l.Spec.HolderIdentity; h != nil && *h != r.opts.Identity {
		return fmt.Errorf("lease %s is held by %q: two replicas share the identity %q", r.leaseName, *h, r.opts.Identity)
	}
	l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds, l.Spec.RenewTime = &r.opts.Identity, &secs, &now
	return r.opts.Client.Update(ctx, &l)
}

// recompute updates the live members from a listing (ok false: the
// listing failed; the others keep the standing the last listing gave them,
// and only this replica's own renewals count).
func (r *Ring) recompute(leases []coordinationv1.Lease, ok bool) {
	now := r.opts.Now()
	r.mu.Lock()
	if ok {
		r.listed = now
		present := map[string]bool{}
		for _, l := range leases {
			if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
				continue
			}
			id := *l.Spec.HolderIdentity
			present[id] = true
			if o, known := r.seen[id]; !known || o.version != l.ResourceVersion {
				r.seen[id] = observation{version: l.ResourceVersion, at: now}
			}
		}
		for id := range r.seen {
			if !present[id] {
				delete(r.seen, id) // deleted: released, or never there
			}
		}
	}
	fenced := r.renewed.IsZero() || now.Sub(r.renewed) >= r.FenceAfter()
	var live []string
	for id, o := range r.seen {
		if id == r.opts.Identity {
			continue
		}
		if r.listed.Sub(o.at) < r.opts.LeaseDuration {
			live = append(live, id)
		}
	}
	if !fenced {
		live = append(live, r.opts.Identity)
	}
	sort.Strings(live)
	changed := !slices.Equal(live, r.live) || fenced != r.fenced || (r.fencedBetween && !fenced)
	r.live, r.fenced = live, fenced
	r.fencedBetween = false
	r.mu.Unlock()
	if changed {
		r.opts.Logger.Info("shard ring changed", "live", live, "fenced", fenced)
		r.opts.OnChange()
	}
}

func (r *Ring) setFenced(f bool) {
	r.mu.Lock()
	changed := r.fenced != f
	r.fenced = f
	if f {
		r.live = slices.DeleteFunc(r.live, func(id string) bool { return id == r.opts.Identity })
	}
	r.mu.Unlock()
	if changed {
		r.opts.OnChange()
	}
}

// Release deletes this replica's Lease, so that the others take its keys
// over at their next listing instead of after LeaseDuration. Call it only
// once nothing this replica ran is running any more.
func (r *Ring) Release(ctx context.Context) error {
	r.setFenced(true)
	l := coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: r.opts.Namespace, Name: r.leaseName}}
	if err := r.opts.Client.Delete(ctx, &l); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("releasing shard lease %s: %w", r.leaseName, err)
	}
	return nil
}

// Members returns the live members, sorted.
func (r *Ring) Members() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.live)
}

// Fenced reports whether this replica may not run anything: its Lease has
// not been renewed within FenceAfter (or not yet at all).
func (r *Ring) Fenced() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Time passes between listings: judge the renewal against now.
	if r.fenced {
		return true
	}
	late := r.opts.Now().Sub(r.renewed) >= r.FenceAfter()
	r.fencedBetween = r.fencedBetween || late
	return late
}

// IsLive reports whether member id holds its Lease. A member missing from
// this replica's listings is looked up directly: it may have joined since
// the last one, and counting it dead would let its keys be claimed while
// it runs them. Only a missing Lease counts as dead; when the lookup fails
// the member counts as live, so that the caller waits rather than risk
// running a resource twice.
func (r *Ring) IsLive(ctx context.Context, id string) bool {
	if id == r.opts.Identity {
		return !r.Fenced()
	}
	r.mu.Lock()
	o, ok := r.seen[id]
	listed := r.listed
	r.mu.Unlock()
	if ok {
		return listed.Sub(o.at) < r.opts.LeaseDuration
	}
	var l coordinationv1.Lease
	err := r.opts.Client.Get(ctx, client.ObjectKey{Namespace: r.opts.Namespace, Name: r.opts.Prefix + "-" + id}, &l)
	switch {
	case apierrors.IsNotFound(err):
		return false
	case err != nil:
		r.opts.Logger.Info("could not look up a member's shard lease; counting it live", "member", id, "error", err.Error())
		return true
	case l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != id:
		return false
	}
	// Seen now for the first time: live until it stops being renewed for
	// a LeaseDuration, like any member found by a listing.
	r.mu.Lock()
	if _, known := r.seen[id]; !known {
		r.seen[id] = observation{version: l.ResourceVersion, at: r.opts.Now()}
	}
	r.mu.Unlock()
	return true
}

// Owner returns the live member that owns key, or "" when none is live.
func (r *Ring) Owner(key string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return owner(r.live, key)
}

// Owns reports whether this replica owns key and may run it now.
func (r *Ring) Owns(key string) bool {
	return !r.Fenced() && r.Owner(key) == r.opts.Identity
}

// owner is the member with the highest score for key (rendezvous hashing).
func owner(members []string, key string) string {
	best, bestScore := "", uint64(0)
	for _, m := range members {
		if s := score(m, key); best == "" || s > bestScore || (s == bestScore && m < best) {
			best, bestScore = m, s
		}
	}
	return best
}

// score mixes a member and a key into a well-spread 64-bit number.
func score(member, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(member))
	h.Write([]byte{0})
	h.Write([]byte(key))
	x := h.Sum64()
	// A final avalanche (splitmix64's), since FNV's high bits vary little
	// between keys that differ only at the end.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
