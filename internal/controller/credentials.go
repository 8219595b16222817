package controller

import (
	"context"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
)

// credentialsResult is the outcome of resolving a credentials Secret. Its
// messages name the Secret and its keys, never their values.
type credentialsResult struct {
	// OK is true when the bot may start: credentials were resolved, or none
	// were asked for.
	OK bool
	// Requested is true when spec.exchange.credentialsSecretRef is set.
	Requested bool
	Reason    string
	Message   string
	// Credentials are the resolved keys (nil when none were requested).
	Credentials *exchange.Credentials
	// Version changes whenever the Secret changes, so that a rotated key
	// restarts the group.
	Version string
}

func (r credentialsResult) setCondition(c *conditionSet) {
	c.set(tradingv1alpha1.ConditionCredentialsResolved, boolStatus(r.OK), r.Reason, r.Message)
}

// secretMetadata is an empty Secret metadata object, for metadata-only
// reads of the cache.
func secretMetadata() *metav1.PartialObjectMetadata {
	md := &metav1.PartialObjectMetadata{}
	md.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return md
}

// credentialsReader resolves bots' credentials Secrets without ever
// holding Secrets in the manager's cache: the cache holds only their
// metadata (the metadata watch that wakes the bots), and a Secret's data is
// read straight from the API server, only when its resourceVersion is one
// this reader has not read for the bot yet. A running bot reconciled every
// --status-interval thus costs no Secret request at all.
type credentialsReader struct {
	// meta reads Secrets' metadata (the manager's cached client); api reads
	// a Secret's data (the manager's API reader, uncached).
	meta client.Reader
	api  client.Reader

	mu sync.Mutex
	// read is, per group key, the last Secret read for it. The keys live
	// only in memory, as long as the bot's group may need them.
	read map[string]credentialsRead
}

// credentialsRead is a Secret read for a bot: what the bot asked for (a
// change of its key names or key type needs a new read even if the Secret
// has not changed) and what came of it.
type credentialsRead struct {
	ref     tradingv1alpha1.CredentialsSecretRef
	keyType tradingv1alpha1.KeyType
	result  credentialsResult
}

func newCredentialsReader(meta, api client.Reader) *credentialsReader {
	return &credentialsReader{meta: meta, api: api, read: make(map[string]credentialsRead)}
}

// forget drops what was read for key: its group is stopping or gone.
func (r *credentialsReader) forget(key string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	delete(r.read, key)
	r.mu.Unlock()
}

// resolve reads the Secret named by spec.exchange.credentialsSecretRef for
// the bot whose group key is key. A missing Secret or key is a result, not
// an error: the bot waits, and the Secret watch wakes it when the Secret
// appears or changes. Only API failures are errors.
func (r *credentialsReader) resolve(ctx context.Context, key, namespace string, spec tradingv1alpha1.ExchangeSpec) (credentialsResult, error) {
	ref := spec.CredentialsSecretRef
	if ref == nil {
		r.forget(key)
		return credentialsResult{OK: true, Reason: tradingv1alpha1.ReasonNoCredentials,
			Message: "no credentialsSecretRef: public market data only (paper orders use the simulator's demo account)"}, nil
	}
	nn := types.NamespacedName{Namespace: namespace, Name: ref.Name}
	notFound := credentialsResult{Requested: true, Reason: tradingv1alpha1.ReasonSecretNotFound,
		Message: fmt.Sprintf("Secret %q not found in namespace %q", ref.Name, namespace)}
	md := secretMetadata()
	if err := r.meta.Get(ctx, nn, md); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(key)
			return notFound, nil
		}
		return credentialsResult{Requested: true}, fmt.Errorf("reading the metadata of Secret %s: %w", nn, err)
	}
	r.mu.Lock()
	last, ok := r.read[key]
	r.mu.Unlock()
	if ok && last.ref == *ref && last.keyType == spec.KeyType && last.result.Version == md.ResourceVersion {
		return last.result, nil
	}
	var secret corev1.Secret
	if err := r.api.Get(ctx, nn, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(key)
			return notFound, nil
		}
		return credentialsResult{Requested: true}, fmt.Errorf("reading Secret %s: %w", nn, err)
	}
	res := credentialsFromSecret(&secret, *ref, spec.KeyType)
	r.mu.Lock()
	r.read[key] = credentialsRead{ref: *ref, keyType: spec.KeyType, result: res}
	r.mu.Unlock()
	return res, nil
}

// credentialsFromSecret takes the keys ref names from secret. Its messages
// name the Secret and its keys, never their values.
func credentialsFromSecret(secret *corev1.Secret, ref tradingv1alpha1.CredentialsSecretRef, keyType tradingv1alpha1.KeyType) credentialsResult {
	res := credentialsResult{Requested: true, Version: secret.ResourceVersion}
	apiKey, secretKey := secret.Data[ref.APIKeyKey], secret.Data[ref.SecretKeyKey]
	var missing []string
	if len(apiKey) == 0 {
		missing = append(missing, ref.APIKeyKey)
	}
	if len(secretKey) == 0 {
		missing = append(missing, ref.SecretKeyKey)
	}
	if len(missing) > 0 {
		res.Reason = tradingv1alpha1.ReasonSecretKeyMissing
		res.Message = fmt.Sprintf("Secret %q has no value for key(s) %s", ref.Name, strings.Join(missing, ", "))
		return res
	}
	res.OK = true
	res.Reason = tradingv1alpha1.ReasonSecretResolved
	res.Message = fmt.Sprintf("API key read from Secret %q", ref.Name)
	res.Credentials = &exchange.Credentials{APIKey: string(apiKey), Secret: string(secretKey), Type: exchange.KeyType(keyType)}
	return res
}

// credentialsIndexKey indexes TradingBots by the name of their credentials
// Secret, so a Secret event finds its bots without listing them all.
const credentialsIndexKey = "spec.exchange.credentialsSecretRef.name"

func credentialsSecretName(obj client.Object) []string {
	bot, ok := obj.(*tradingv1alpha1.TradingBot)
	if !ok || bot.Spec.Exchange.CredentialsSecretRef == nil {
		return nil
	}
	return []string{bot.Spec.Exchange.CredentialsSecretRef.Name}
}
