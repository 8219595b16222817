package controller

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// resolveCredentials reads the Secret named by spec.exchange.credentialsSecretRef.
// A missing Secret or key is a result, not an error: the bot waits, and the
// Secret watch wakes it when the Secret appears. Only API failures are errors.
func resolveCredentials(ctx context.Context, c client.Reader, namespace string, spec tradingv1alpha1.ExchangeSpec) (credentialsResult, error) {
	ref := spec.CredentialsSecretRef
	if ref == nil {
		return credentialsResult{OK: true, Reason: tradingv1alpha1.ReasonNoCredentials,
			Message: "no credentialsSecretRef: public market data only (paper orders use the simulator's demo account)"}, nil
	}
	res := credentialsResult{Requested: true}
	var secret corev1.Secret
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: ref.Name}, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			res.Reason = tradingv1alpha1.ReasonSecretNotFound
			res.Message = fmt.Sprintf("Secret %q not found in namespace %q", ref.Name, namespace)
			return res, nil
		}
		return res, fmt.Errorf("reading Secret %s/%s: %w", namespace, ref.Name, err)
	}
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
		return res, nil
	}
	res.OK = true
	res.Reason = tradingv1alpha1.ReasonSecretResolved
	res.Message = fmt.Sprintf("API key read from Secret %q", ref.Name)
	res.Credentials = &exchange.Credentials{APIKey: string(apiKey), Secret: string(secretKey), Type: exchange.KeyType(spec.KeyType)}
	res.Version = secret.ResourceVersion
	return res, nil
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
