package auth

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyType says how a key signs requests.
type KeyType int

// The key types Binance accepts that the simulator supports. The zero KeyType is
// invalid, so a zero Key never verifies anything.
const (
	HMAC KeyType = iota + 1
	Ed25519
)

// String returns the name Binance uses for the key type.
func (t KeyType) String() string {
	switch t {
	case HMAC:
		return "HMAC"
	case Ed25519:
		return "ED25519"
	default:
		return fmt.Sprintf("KeyType(%d)", int(t))
	}
}

// Key is one API key: its public identifier and what verifies its signatures.
type Key struct {
	APIKey    string
	Type      KeyType
	Secret    []byte            // HMAC only
	PublicKey ed25519.PublicKey // Ed25519 only
}

// Errors returned when a key cannot be built.
var (
	ErrEmptyAPIKey     = errors.New("auth: empty API key")
	ErrAPIKeyFormat    = errors.New("auth: API key must be printable ASCII without spaces")
	ErrEmptySecret     = errors.New("auth: empty HMAC secret")
	ErrNoPEM           = errors.New("auth: no PEM block found")
	ErrNotPublicKeyPEM = errors.New(`auth: PEM block is not a "PUBLIC KEY"`)
	ErrNotEd25519      = errors.New("auth: public key is not an Ed25519 key")
)

// NewHMACKey returns an HMAC-SHA256 key.
func NewHMACKey(apiKey, secret string) (Key, error) {
	if err := checkAPIKey(apiKey); err != nil {
		return Key{}, err
	}
	if secret == "" {
		return Key{}, ErrEmptySecret
	}
	return Key{APIKey: apiKey, Type: HMAC, Secret: []byte(secret)}, nil
}

// NewEd25519Key returns an Ed25519 key from a PKIX "PUBLIC KEY" PEM block, the
// form Binance asks users to upload.
func NewEd25519Key(apiKey, publicKeyPEM string) (Key, error) {
	if err := checkAPIKey(apiKey); err != nil {
		return Key{}, err
	}
	block, _ := pem.Decode([]byte(publicKeyPEM))
	if block == nil {
		return Key{}, ErrNoPEM
	}
	if block.Type != "PUBLIC KEY" {
		return Key{}, ErrNotPublicKeyPEM
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("auth: parse public key: %w", err)
	}
	pub, ok := parsed.(ed25519.PublicKey)
	if !ok {
		return Key{}, fmt.Errorf("%w (got %T)", ErrNotEd25519, parsed)
	}
	return Key{APIKey: apiKey, Type: Ed25519, PublicKey: pub}, nil
}

// checkAPIKey accepts what can travel in an X-MBX-APIKEY header unchanged.
func checkAPIKey(apiKey string) error {
	if apiKey == "" {
		return ErrEmptyAPIKey
	}
	for i := 0; i < len(apiKey); i++ {
		if c := apiKey[i]; c <= ' ' || c > '~' {
			return ErrAPIKeyFormat
		}
	}
	return nil
}

// Verify reports whether signature signs payload with this key.
//
// HMAC signatures are the hex HMAC-SHA256 of payload, in either letter case,
// compared in constant time. Ed25519 signatures are standard (padded) base64; the
// caller has already undone the URL encoding. Malformed input is simply false.
func (k Key) Verify(payload, signature string) bool {
	switch k.Type {
	case HMAC:
		return k.verifyHMAC(payload, signature)
	case Ed25519:
		return k.verifyEd25519(payload, signature)
	default:
		return false
	}
}

func (k Key) verifyHMAC(payload, signature string) bool {
	if len(k.Secret) == 0 || len(signature) != hex.EncodedLen(sha256.Size) {
		return false
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], []byte(signature)); err != nil {
		return false
	}
	mac := hmac.New(sha256.New, k.Secret)
	mac.Write([]byte(payload))
	var want [sha256.Size]byte
	return subtle.ConstantTimeCompare(mac.Sum(want[:0]), got[:]) == 1
}

func (k Key) verifyEd25519(payload, signature string) bool {
	if len(k.PublicKey) != ed25519.PublicKeySize ||
		len(signature) != base64.StdEncoding.EncodedLen(ed25519.SignatureSize) {
		return false
	}
	var sig [ed25519.SignatureSize + 2]byte // room for the decoder's padding bytes
	n, err := base64.StdEncoding.Decode(sig[:], []byte(signature))
	if err != nil || n != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(k.PublicKey, []byte(payload), sig[:n])
}
