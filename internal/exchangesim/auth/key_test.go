package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/adshao/go-binance/v2/common"
)

// Binance's published HMAC example from its Spot API documentation.
const (
	exampleAPIKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	exampleSecret    = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	examplePayload   = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	exampleSignature = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
)

func TestVerifyHMACBinanceExample(t *testing.T) {
	key, err := NewHMACKey(exampleAPIKey, exampleSecret)
	if err != nil {
		t.Fatalf("NewHMACKey: %v", err)
	}
	if key.Type != HMAC || key.APIKey != exampleAPIKey {
		t.Fatalf("key = %+v, want HMAC key %q", key, exampleAPIKey)
	}
	flipped := []byte(exampleSignature)
	flipped[0] = 'd' // c → d: one nibble off
	tests := []struct {
		name      string
		payload   string
		signature string
		want      bool
	}{
		{"published signature", examplePayload, exampleSignature, true},
		{"uppercase hex", examplePayload, strings.ToUpper(exampleSignature), true},
		{"one nibble off", examplePayload, string(flipped), false},
		{"payload changed", strings.Replace(examplePayload, "quantity=1", "quantity=2", 1), exampleSignature, false},
		{"payload with trailing &", examplePayload + "&", exampleSignature, false},
		{"truncated signature", examplePayload, exampleSignature[:62], false},
		{"signature too long", examplePayload, exampleSignature + "00", false},
		{"not hex", examplePayload, strings.Repeat("zz", 32), false},
		{"empty signature", examplePayload, "", false},
		{"base64 of the right MAC", examplePayload, base64OfHex(t, exampleSignature), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := key.Verify(tt.payload, tt.signature); got != tt.want {
				t.Errorf("Verify(%q, %q) = %v, want %v", tt.payload, tt.signature, got, tt.want)
			}
		})
	}
}

func TestVerifyHMACAgainstGoBinanceSigner(t *testing.T) {
	key, err := NewHMACKey("k", "my-secret")
	if err != nil {
		t.Fatal(err)
	}
	// go-binance signs query string + body, concatenated.
	payload := "timestamp=1700000000000&recvWindow=5000" + "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001"
	sig, err := common.Hmac("my-secret", payload)
	if err != nil {
		t.Fatalf("go-binance Hmac: %v", err)
	}
	if !key.Verify(payload, *sig) {
		t.Fatalf("Verify rejected go-binance's HMAC signature %q", *sig)
	}
	other, _ := NewHMACKey("k", "another-secret")
	if other.Verify(payload, *sig) {
		t.Fatal("a different secret verified the signature")
	}
}

func TestVerifyEd25519RoundTripWithGoBinanceSigner(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := NewEd25519Key("ed-key", publicKeyPEM(t, pub))
	if err != nil {
		t.Fatalf("NewEd25519Key: %v", err)
	}
	if key.Type != Ed25519 || !key.PublicKey.Equal(pub) {
		t.Fatalf("key = %+v, want the generated Ed25519 public key", key)
	}

	payload := "apiKey=ed-key&timestamp=1700000000000"
	sig, err := common.Ed25519(privateKeyPEM(t, priv), payload)
	if err != nil {
		t.Fatalf("go-binance Ed25519: %v", err)
	}
	if !key.Verify(payload, *sig) {
		t.Fatalf("Verify rejected go-binance's Ed25519 signature %q", *sig)
	}
	if key.Verify(payload+"&x=1", *sig) {
		t.Error("Verify accepted the signature for a different payload")
	}
	raw, _ := base64.StdEncoding.DecodeString(*sig)
	if key.Verify(payload, base64.RawStdEncoding.EncodeToString(raw)) {
		t.Error("Verify accepted unpadded base64; only the standard encoding is Binance's")
	}
	if key.Verify(payload, hex.EncodeToString(raw)) {
		t.Error("Verify accepted a hex signature for an Ed25519 key")
	}
	raw[0] ^= 1
	if key.Verify(payload, base64.StdEncoding.EncodeToString(raw)) {
		t.Error("Verify accepted a corrupted signature")
	}

	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	otherSig := base64.StdEncoding.EncodeToString(ed25519.Sign(otherPriv, []byte(payload)))
	if key.Verify(payload, otherSig) {
		t.Error("Verify accepted a signature made by another private key")
	}
}

func TestVerifyWrongKeyType(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	edKey, err := NewEd25519Key("ed", publicKeyPEM(t, pub))
	if err != nil {
		t.Fatal(err)
	}
	hmacKey, _ := NewHMACKey("h", "secret")
	payload := "timestamp=1"
	hmacSig := hmacHex("secret", payload)
	edSig := base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(payload)))

	tests := []struct {
		name      string
		key       Key
		signature string
	}{
		{"HMAC signature on Ed25519 key", edKey, hmacSig},
		{"Ed25519 signature on HMAC key", hmacKey, edSig},
		{"zero key", Key{}, hmacSig},
		{"unknown key type", Key{APIKey: "x", Type: KeyType(99), Secret: []byte("secret")}, hmacSig},
		{"HMAC key without secret", Key{APIKey: "x", Type: HMAC}, hmacHex("", payload)},
		{"Ed25519 key without public key", Key{APIKey: "x", Type: Ed25519}, edSig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.key.Verify(payload, tt.signature) {
				t.Errorf("Verify = true, want false")
			}
		})
	}
}

func TestNewHMACKeyErrors(t *testing.T) {
	tests := []struct {
		name, apiKey, secret string
		want                 error
	}{
		{"empty API key", "", "s", ErrEmptyAPIKey},
		{"API key with space", "a b", "s", ErrAPIKeyFormat},
		{"API key with newline", "ab\n", "s", ErrAPIKeyFormat},
		{"API key non-ASCII", "clé", "s", ErrAPIKeyFormat},
		{"empty secret", "a", "", ErrEmptySecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHMACKey(tt.apiKey, tt.secret)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewEd25519KeyErrors(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))
	good := publicKeyPEM(t, pub)

	tests := []struct {
		name, apiKey, pem string
		want              error // nil: any error will do, as long as there is one
	}{
		{"empty API key", "", good, ErrEmptyAPIKey},
		{"not PEM", "k", "MCowBQYDK2VwAyEA", ErrNoPEM},
		{"empty PEM", "k", "", ErrNoPEM},
		{"private key PEM", "k", privateKeyPEM(t, priv), ErrNotPublicKeyPEM},
		{"ECDSA public key", "k", ecPEM, ErrNotEd25519},
		{"garbage DER", "k", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("nope")})), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := NewEd25519Key(tt.apiKey, tt.pem)
			if err == nil {
				t.Fatalf("NewEd25519Key succeeded with %+v, want an error", key)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyTypeString(t *testing.T) {
	for kt, want := range map[KeyType]string{HMAC: "HMAC", Ed25519: "ED25519", 0: "KeyType(0)"} {
		if got := kt.String(); got != want {
			t.Errorf("KeyType(%d).String() = %q, want %q", int(kt), got, want)
		}
	}
}

// FuzzVerify checks that no input makes Verify panic, and that HMAC verification
// agrees with a straightforward reimplementation.
func FuzzVerify(f *testing.F) {
	f.Add(examplePayload, exampleSignature)
	f.Add("", "")
	f.Add("a=b", strings.Repeat("=", 88))
	f.Add("a=b", strings.Repeat("A", 86)+"==")
	f.Add("x", "\x00\xff")
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	hmacKey, _ := NewHMACKey(exampleAPIKey, exampleSecret)
	edKey := Key{APIKey: "ed", Type: Ed25519, PublicKey: pub}
	f.Fuzz(func(t *testing.T, payload, signature string) {
		got := hmacKey.Verify(payload, signature)
		want := strings.EqualFold(signature, hmacHex(exampleSecret, payload))
		if got != want {
			t.Fatalf("HMAC Verify(%q, %q) = %v, want %v", payload, signature, got, want)
		}
		edKey.Verify(payload, signature)
		Key{}.Verify(payload, signature)
	})
}

func hmacHex(secret, payload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

func base64OfHex(t *testing.T, h string) string {
	t.Helper()
	raw, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func publicKeyPEM(t *testing.T, pub ed25519.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// privateKeyPEM encodes the key as PKCS#8, the form go-binance's signer parses.
func privateKeyPEM(t *testing.T, priv ed25519.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}
