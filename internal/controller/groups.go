package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/runtime"
)

// GroupSettings are the operator-wide settings shared by both reconcilers.
type GroupSettings struct {
	Supervisor *runtime.Supervisor
	Resolver   exchange.Resolver
	// Transport is the pooled HTTP transport every group's exchange client uses.
	Transport http.RoundTripper
	// AllowLiveTrading is --allow-live-trading.
	AllowLiveTrading bool
	// StatusInterval is --status-interval: how often a running resource's
	// status is refreshed when nothing important happens.
	StatusInterval time.Duration
	// ProbeInterval is how often a group checks its exchange's health.
	ProbeInterval time.Duration
	Now           func() time.Time
}

func (s GroupSettings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ensureGroup makes the supervisor run the group for key at the version
// derived from cfg and extra (the resource's generation, the Secret's
// version...). An unchanged version returns the running group untouched.
func (s GroupSettings) ensureGroup(key string, cfg botgroup.Config, extra ...string) (*groupView, error) {
	version := groupVersion(cfg, extra...)
	if cur, ok := s.Supervisor.Version(key); ok && cur == version {
		// A group that is still stopping (an earlier Stop timed out) is not
		// running: Ensure must replace it once it has stopped.
		if v := s.view(key); v != nil && !v.Runtime.Stopping {
			return v, nil
		}
	}
	cfg.Transport = s.Transport
	cfg.ProbeInterval = s.ProbeInterval
	cfg.Now = s.Now
	cfg.Notify = func() { s.Supervisor.Notify(key) }
	g := botgroup.New(cfg)
	if _, err := s.Supervisor.Ensure(key, version, g, g.Tasks()...); err != nil {
		return nil, fmt.Errorf("starting group %s: %w", key, err)
	}
	return s.view(key), nil
}

// view reads a group's snapshots; nil when no group runs under key.
func (s GroupSettings) view(key string) *groupView {
	rs, ok := s.Supervisor.Snapshot(key)
	if !ok {
		return nil
	}
	state, _ := s.Supervisor.State(key)
	g, ok := state.(*botgroup.Group)
	if !ok {
		return nil
	}
	return &groupView{Runtime: rs, Health: g.Snapshot().Exchange}
}

// stopGroup stops key's group, if any, within the supervisor's stop timeout.
func (s GroupSettings) stopGroup(ctx context.Context, key string) error {
	return s.Supervisor.Stop(ctx, key)
}

// groupVersion fingerprints everything a group is built from. Credentials
// enter only through the Secret's resourceVersion in extra, never by value.
func groupVersion(cfg botgroup.Config, extra ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%q\n%+v\n", cfg.URLs.REST, cfg.URLs.Stream, cfg.Symbols, cfg.Breaker)
	for _, e := range extra {
		fmt.Fprintf(h, "%s\n", e)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
