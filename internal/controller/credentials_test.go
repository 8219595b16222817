package controller

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
)

// countingReader counts the reads of whole Secrets.
type countingReader struct {
	client.Reader
	secretReads int
}

func (r *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*corev1.Secret); ok {
		r.secretReads++
	}
	return r.Reader.Get(ctx, key, obj, opts...)
}

// The reader reads a Secret whole only when what it would get differs from
// what it read last for the bot: the Secret changed, or the bot asks for
// other keys or another key type, or its group was stopped meanwhile.
func TestCredentialsReaderReadsOnlyOnChange(t *testing.T) {
	ctx := context.Background()
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "keys"},
		Data:       map[string][]byte{"apiKey": []byte("k1"), "secretKey": []byte("s1"), "other": []byte("o1")},
	}).Build()
	api := &countingReader{Reader: c}
	r := newCredentialsReader(c, api)
	key := "TradingBot/ns/bot"
	spec := tradingv1alpha1.ExchangeSpec{KeyType: tradingv1alpha1.KeyTypeHMAC,
		CredentialsSecretRef: &tradingv1alpha1.CredentialsSecretRef{Name: "keys", APIKeyKey: "apiKey", SecretKeyKey: "secretKey"}}

	resolve := func(what string, spec tradingv1alpha1.ExchangeSpec, wantReads int, want exchange.Credentials) credentialsResult {
		t.Helper()
		res, err := r.resolve(ctx, key, "ns", spec)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if api.secretReads != wantReads {
			t.Errorf("%s: %d whole reads of the Secret so far, want %d", what, api.secretReads, wantReads)
		}
		if !res.OK || res.Credentials == nil || *res.Credentials != want {
			t.Errorf("%s: result %+v (ok %v), want credentials %+v", what, res.Credentials, res.OK, want)
		}
		return res
	}
	first := resolve("first", spec, 1, exchange.Credentials{APIKey: "k1", Secret: "s1", Type: exchange.KeyHMAC})
	resolve("unchanged", spec, 1, exchange.Credentials{APIKey: "k1", Secret: "s1", Type: exchange.KeyHMAC})

	other := *spec.CredentialsSecretRef
	other.SecretKeyKey = "other"
	spec2 := spec
	spec2.CredentialsSecretRef = &other
	resolve("other key name", spec2, 2, exchange.Credentials{APIKey: "k1", Secret: "o1", Type: exchange.KeyHMAC})
	spec3 := spec2
	spec3.KeyType = tradingv1alpha1.KeyTypeEd25519
	resolve("other key type", spec3, 3, exchange.Credentials{APIKey: "k1", Secret: "o1", Type: exchange.KeyEd25519})

	var sec corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "keys"}, &sec); err != nil {
		t.Fatal(err)
	}
	sec.Data["other"] = []byte("o2")
	if err := c.Update(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	rotated := resolve("rotated", spec3, 4, exchange.Credentials{APIKey: "k1", Secret: "o2", Type: exchange.KeyEd25519})
	if rotated.Version == first.Version {
		t.Errorf("the rotated Secret has the version %q it had before", rotated.Version)
	}
	r.forget(key)
	resolve("after forget", spec3, 5, exchange.Credentials{APIKey: "k1", Secret: "o2", Type: exchange.KeyEd25519})

	if err := c.Delete(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	res, err := r.resolve(ctx, key, "ns", spec3)
	if err != nil || res.OK || res.Reason != tradingv1alpha1.ReasonSecretNotFound || res.Credentials != nil {
		t.Errorf("deleted Secret: %+v, %v; want SecretNotFound without credentials", res, err)
	}
}
