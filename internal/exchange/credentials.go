package exchange

import "log/slog"

// KeyType is how requests are signed. The values match the API's
// spec.exchange.keyType enum.
type KeyType string

const (
	KeyHMAC    KeyType = "HMAC"
	KeyEd25519 KeyType = "Ed25519"
)

const redacted = "[redacted]"

// Credentials are an account's API key and secret. Every way of printing them
// (fmt verbs, slog, JSON) shows only that they are set, so a credential can
// never reach a log line, an event or a status by accident.
type Credentials struct {
	APIKey string
	// Secret is the HMAC secret, or the Ed25519 private key as PKCS#8 PEM.
	Secret string
	Type   KeyType
}

// String hides the key and the secret.
func (c Credentials) String() string { return "Credentials{" + string(c.Type) + " " + redacted + "}" }

// GoString hides the key and the secret from %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue hides the key and the secret from slog.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON hides the key and the secret from encoders.
func (c Credentials) MarshalJSON() ([]byte, error) { return []byte(`"` + c.String() + `"`), nil }
