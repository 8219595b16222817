package controller

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// secretRequestLog records the manager's requests for Secrets as they
// leave for the API server: whether they ask for metadata only, and which
// single Secrets were read whole.
type secretRequestLog struct {
	mu sync.Mutex
	// whole lists the requests for whole Secrets ("GET /api/v1/...").
	whole []string
}

func (l *secretRequestLog) wrap(next http.RoundTripper) http.RoundTripper {
	return &secretRequestRecorder{log: l, next: next}
}

// reads counts the requests that read the Secret nn whole.
func (l *secretRequestLog) reads(nn types.NamespacedName) int {
	want := http.MethodGet + " /api/v1/namespaces/" + nn.Namespace + "/secrets/" + nn.Name
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.whole {
		if r == want {
			n++
		}
	}
	return n
}

// collections are the requests that listed or watched whole Secrets: a
// cache of whole Secrets would make them.
func (l *secretRequestLog) collections() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.whole {
		if !strings.Contains(r, "/secrets/") || strings.Contains(r, "watch=") {
			out = append(out, r)
		}
	}
	return out
}

type secretRequestRecorder struct {
	log  *secretRequestLog
	next http.RoundTripper
}

func (r *secretRequestRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	p := req.URL.Path
	if (strings.HasSuffix(p, "/secrets") || strings.Contains(p, "/secrets/")) &&
		!strings.Contains(req.Header.Get("Accept"), "as=PartialObjectMetadata") {
		entry := req.Method + " " + p
		if req.URL.Query().Get("watch") == "true" {
			entry += "?watch=true"
		}
		r.log.mu.Lock()
		r.log.whole = append(r.log.whole, entry)
		r.log.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

// WrappedRoundTripper lets the suite close the idle connections underneath.
func (r *secretRequestRecorder) WrappedRoundTripper() http.RoundTripper { return r.next }

// testCredentialsNeverLeak runs a bot on a Secret holding distinctive
// values, through its rotation and a key going missing, and then looks for
// those values everywhere the operator writes: the bot (status and all),
// every Event in the namespace (events.k8s.io and core/v1) and the
// operator's logs. It also checks how the Secret was read: never listed or
// watched whole, read whole only when it changed, and never in the cache.
func testCredentialsNeverLeak(t *testing.T, s *envSuite) {
	ctx := context.Background()
	const (
		apiKey        = "AKIA-should-never-leak-1234"
		secretKey     = "s3cr3t-should-never-leak-5678"
		rotatedSecret = "s3cr3t-rotated-should-never-leak-9012"
	)
	values := []string{apiKey, secretKey, rotatedSecret}
	ns := s.namespace(t, "noleak")
	secretNN := types.NamespacedName{Namespace: ns, Name: "leak-keys"}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretNN.Name,
			// What kubectl apply leaves on a Secret: its data once more.
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"stringData":{"apiKey":"` + apiKey + `"}}`}},
		Data: map[string][]byte{"apiKey": []byte(apiKey), "secretKey": []byte(secretKey)},
	}
	if err := s.c.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	bot := newBot(types.NamespacedName{Namespace: ns, Name: "keyed"}, "ETHUSDT")
	bot.Spec.Exchange.CredentialsSecretRef = &tradingv1alpha1.CredentialsSecretRef{Name: secretNN.Name}
	nn := s.createBot(t, bot)
	key := botKey(nn)

	b := s.waitForBot(t, nn, "Running with its credentials", func(b *tradingv1alpha1.TradingBot) bool {
		return botPhase(tradingv1alpha1.BotPhaseRunning)(b) &&
			meta.IsStatusConditionTrue(b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved)
	})
	seen := []*tradingv1alpha1.TradingBot{b}
	v1, ok := s.supervisor.Version(key)
	if !ok {
		t.Fatal("no group runs with the credentials resolved")
	}

	// A running bot is reconciled again and again; the Secret has not
	// changed, so it is not read again.
	readsBefore := s.secretRequests.reads(secretNN)
	if readsBefore == 0 {
		t.Error("the Secret was never read whole, yet the credentials were resolved")
	}
	for range 3 {
		before := s.reads.get(key)
		eventually(t, "a reconcile of the running bot", func() (bool, string) {
			if n := s.reads.get(key); n > before {
				return true, ""
			}
			s.changes.Notify(key)
			return false, fmt.Sprintf("%d reconciles", s.reads.get(key))
		})
	}
	if n := s.secretRequests.reads(secretNN) - readsBefore; n != 0 {
		t.Errorf("the unchanged Secret was read %d more times over 3 reconciles; want it read only when it changes", n)
	}

	// Rotation: the group restarts on the new secret.
	update(t, s, secretNN, func() *corev1.Secret { return &corev1.Secret{} },
		func(sec *corev1.Secret) { sec.Data["secretKey"] = []byte(rotatedSecret) })
	eventually(t, "the group restarted after the rotation", func() (bool, string) {
		v, ok := s.supervisor.Version(key)
		return ok && v != v1, fmt.Sprintf("version %q (running %v), was %q", v, ok, v1)
	})
	seen = append(seen, s.waitForBot(t, nn, "Running after the rotation", botPhase(tradingv1alpha1.BotPhaseRunning)))

	// A key goes missing: the bot names the key, not a value.
	update(t, s, secretNN, func() *corev1.Secret { return &corev1.Secret{} },
		func(sec *corev1.Secret) { delete(sec.Data, "secretKey") })
	b = s.waitForBot(t, nn, "the missing key named", func(b *tradingv1alpha1.TradingBot) bool {
		c := meta.FindStatusCondition(b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved)
		return c != nil && c.Reason == tradingv1alpha1.ReasonSecretKeyMissing
	})
	wantCondition(t, b.Status.Conditions, tradingv1alpha1.ConditionCredentialsResolved, metav1.ConditionFalse,
		tradingv1alpha1.ReasonSecretKeyMissing, `Secret "leak-keys" has no value for key(s) secretKey`)
	seen = append(seen, b)

	// How the Secret was read: never listed or watched whole, never held
	// in the cache (a cached read fails rather than start an informer),
	// and its cached metadata stripped of the annotation holding its data.
	if c := s.secretRequests.collections(); len(c) != 0 {
		t.Errorf("the manager listed or watched whole Secrets: %q", c)
	}
	var cached corev1.Secret
	var notCached *cache.ErrResourceNotCached
	if err := s.cache.Get(ctx, secretNN, &cached); !errors.As(err, &notCached) {
		t.Errorf("reading a whole Secret from the manager's cache: err %v, data keys %d; want ErrResourceNotCached", err, len(cached.Data))
	}
	md := secretMetadata()
	if err := s.cache.Get(ctx, secretNN, md); err != nil {
		t.Errorf("the Secret's metadata is not in the cache: %v", err)
	} else if len(md.Annotations) != 0 || len(md.ManagedFields) != 0 {
		t.Errorf("the cached metadata keeps annotations %v and %d managed fields", md.Annotations, len(md.ManagedFields))
	}

	// Where the values must never be: the bot, whole, as stored...
	var places []leakPlace
	for i, b := range seen {
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		places = append(places, leakPlace{fmt.Sprintf("the bot as read at step %d", i+1), string(raw)})
	}
	// ...every Event in the namespace, in both APIs...
	var evs eventsv1.EventList
	if err := s.c.List(ctx, &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var coreEvs corev1.EventList
	if err := s.c.List(ctx, &coreEvs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(evs.Items) == 0 {
		t.Error("no events.k8s.io Events in the namespace: the search would prove nothing")
	}
	for _, list := range []any{evs, coreEvs} {
		raw, err := json.Marshal(list)
		if err != nil {
			t.Fatal(err)
		}
		places = append(places, leakPlace{fmt.Sprintf("the %T of the namespace", list), string(raw)})
	}
	// ...and the operator's logs.
	logs := s.logs.String()
	if !strings.Contains(logs, ns) {
		t.Error("the logs never mention the bot's namespace: the search would prove nothing")
	}
	places = append(places, leakPlace{"the operator's logs", logs})
	for _, p := range places {
		for _, v := range values {
			for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
				if i := strings.Index(p.text, form); i >= 0 {
					t.Errorf("%s holds a credential (%q): ...%s...", p.where, v, p.text[max(0, i-80):min(len(p.text), i+len(form)+40)])
				}
			}
		}
	}
}

// leakPlace is text the operator wrote, and where it was found.
type leakPlace struct{ where, text string }
