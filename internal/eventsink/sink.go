package eventsink

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	eventsv1client "k8s.io/client-go/kubernetes/typed/events/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/flowcontrol"
)

// Defaults for Options fields left zero.
const (
	DefaultQPS   = 10
	DefaultBurst = 100
)

// Options configure a Sink.
type Options struct {
	// QPS is how many Events a second the operator may emit on average
	// (0: DefaultQPS).
	QPS float64
	// Burst is how many it may emit at once above QPS (0: DefaultBurst).
	Burst int
	// Registerer gets the sink's counters (nil: not registered).
	Registerer prometheus.Registerer
	// Logger gets each Event at debug level (V(1)), sent or dropped, so
	// the logs keep what the budget dropped (zero value: discarded).
	Logger logr.Logger
}

// Sink owns the Events' client and broadcaster. Start it (it is a
// manager.Runnable) before its recorders' Events can reach the API server;
// Events emitted before are queued by the broadcaster, up to its bound.
type Sink struct {
	broadcaster events.EventBroadcaster
	limiter     flowcontrol.RateLimiter
	logger      logr.Logger
	emitted     *prometheus.CounterVec
	dropped     *prometheus.CounterVec
}

// New returns a Sink that writes Events with a copy of cfg limited to the
// Events' own budget.
func New(cfg *rest.Config, o Options) (*Sink, error) {
	if cfg == nil {
		return nil, errors.New("eventsink: no rest config")
	}
	if o.QPS == 0 {
		o.QPS = DefaultQPS
	}
	if o.Burst == 0 {
		o.Burst = DefaultBurst
	}
	if o.QPS < 0 || o.Burst < 0 {
		return nil, fmt.Errorf("eventsink: QPS and burst must not be negative, got %v and %d", o.QPS, o.Burst)
	}
	c := rest.CopyConfig(cfg)
	// The gate in the recorders decides what is sent; the client's own
	// bucket is looser, for what the broadcaster adds (series updates and
	// retries), so it never holds an Event the gate let through for long.
	c.QPS, c.Burst = float32(2*o.QPS), 2*o.Burst
	c.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(c.QPS, c.Burst)
	client, err := eventsv1client.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("eventsink: events client: %w", err)
	}
	s := &Sink{
		broadcaster: events.NewBroadcaster(&events.EventSinkImpl{Interface: client}),
		limiter:     flowcontrol.NewTokenBucketRateLimiter(float32(o.QPS), o.Burst),
		logger:      o.Logger,
		emitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tradebot_events_emitted_total",
			Help: "Kubernetes Events the operator's budget let through to the API server, by type (Normal, Warning).",
		}, []string{"type"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tradebot_events_dropped_total",
			Help: "Kubernetes Events dropped because the operator's Event budget (--event-qps, --event-burst) was spent, by type (Normal, Warning).",
		}, []string{"type"}),
	}
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{s.emitted, s.dropped} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("eventsink: registering metrics: %w", err)
			}
		}
	}
	return s, nil
}

// Recorder returns an EventRecorder whose Events go through the sink's
// budget, reported by controller.
func (s *Sink) Recorder(scheme *runtime.Scheme, controller string) events.EventRecorder {
	return &gated{next: s.broadcaster.NewRecorder(scheme, controller), sink: s, scheme: scheme}
}

// Start sends the recorders' Events to the API server until ctx ends.
func (s *Sink) Start(ctx context.Context) error {
	if err := s.broadcaster.StartRecordingToSinkWithContext(ctx); err != nil {
		return fmt.Errorf("eventsink: %w", err)
	}
	<-ctx.Done()
	s.broadcaster.Shutdown()
	return nil
}

// NeedLeaderElection is false: every replica announces what its own bots
// do, whether or not it leads.
func (s *Sink) NeedLeaderElection() bool { return false }

// allow takes a token for an Event of type eventtype, or counts it dropped.
func (s *Sink) allow(eventtype string) bool {
	if s.limiter.TryAccept() {
		s.emitted.WithLabelValues(eventtype).Inc()
		return true
	}
	s.dropped.WithLabelValues(eventtype).Inc()
	return false
}

// gated is a recorder that asks the sink's budget before each Event.
type gated struct {
	next   events.EventRecorder
	sink   *Sink
	scheme *runtime.Scheme
}

func (g *gated) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	sent := g.sink.allow(eventtype)
	if sent {
		g.next.Eventf(regarding, related, eventtype, reason, action, note, args...)
	}
	if log := g.sink.logger.V(1); log.Enabled() {
		log.Info("event", "object", g.describe(regarding), "type", eventtype, "reason", reason,
			"note", fmt.Sprintf(note, args...), "sent", sent)
	}
}

// describe names obj as kind namespace/name for the log.
func (g *gated) describe(obj runtime.Object) string {
	kind := fmt.Sprintf("%T", obj)
	if kinds, _, err := g.scheme.ObjectKinds(obj); err == nil && len(kinds) > 0 {
		kind = kinds[0].Kind
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return kind
	}
	return kind + " " + m.GetNamespace() + "/" + m.GetName()
}
