package exchangesim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
)

// The demo account exists from the start (and after every reset) so Paper
// mode needs no setup. Its key is public: it is printed at start and
// documented.
const (
	DemoAPIKey    = "simdemokey9HodP7M76nGMeHywuaR3YR3hTtc12NCEKVwWqfR4ldw89nPPhBHPD5"
	DemoSecretKey = "simdemosecretkHOPONJgZou5KMYqA6ohcFiWP8vMihTLlJ0dqoEispyTp2zV4fT"
	// DemoQuoteAsset and DemoBalance are the demo account's only balance.
	DemoQuoteAsset = "USDT"
	DemoBalance    = "100000"
)

// AccountSpec creates or replaces an account: the admin API's
// POST /sim/v1/accounts body and one entry of --accounts FILE. Exactly one of
// SecretKey (an HMAC key) and PublicKeyPEM (an Ed25519 key, PKIX PEM) is set.
type AccountSpec struct {
	APIKey       string                     `json:"apiKey"`
	SecretKey    string                     `json:"secretKey,omitempty"`
	PublicKeyPEM string                     `json:"publicKeyPEM,omitempty"`
	Balances     map[string]decimal.Decimal `json:"balances"`
}

// String never shows the secret.
func (a AccountSpec) String() string {
	return fmt.Sprintf("account %q (%s)", a.APIKey, a.keyTypeName())
}

func (a AccountSpec) keyTypeName() string {
	if a.PublicKeyPEM != "" {
		return auth.Ed25519.String()
	}
	return auth.HMAC.String()
}

// key builds the account's API key after checking the spec.
func (a AccountSpec) key() (auth.Key, error) {
	switch {
	case a.APIKey == "":
		return auth.Key{}, errors.New("apiKey is required")
	case a.SecretKey != "" && a.PublicKeyPEM != "":
		return auth.Key{}, errors.New("give either secretKey (HMAC) or publicKeyPEM (Ed25519), not both")
	case a.SecretKey == "" && a.PublicKeyPEM == "":
		return auth.Key{}, errors.New("secretKey (HMAC) or publicKeyPEM (Ed25519) is required")
	}
	for asset, amount := range a.Balances {
		if !isAssetName(asset) {
			return auth.Key{}, fmt.Errorf("balance asset %q must be 1-20 of A-Z 0-9", asset)
		}
		if amount.IsNegative() {
			return auth.Key{}, fmt.Errorf("balance %s %s is negative", amount, asset)
		}
	}
	if a.PublicKeyPEM != "" {
		return auth.NewEd25519Key(a.APIKey, a.PublicKeyPEM)
	}
	return auth.NewHMACKey(a.APIKey, a.SecretKey)
}

// DemoAccount is the spec of the demo account.
func DemoAccount() AccountSpec {
	return AccountSpec{
		APIKey:    DemoAPIKey,
		SecretKey: DemoSecretKey,
		Balances:  map[string]decimal.Decimal{DemoQuoteAsset: decimal.RequireFromString(DemoBalance)},
	}
}

// LoadAccountsFile reads a JSON list of AccountSpec.
func LoadAccountsFile(path string) ([]AccountSpec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("accounts file: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var specs []AccountSpec
	if err := dec.Decode(&specs); err != nil {
		return nil, fmt.Errorf("accounts file %s: %w", path, err)
	}
	for i, spec := range specs {
		if _, err := spec.key(); err != nil {
			return nil, fmt.Errorf("accounts file %s: entry %d: %w", path, i, err)
		}
	}
	return specs, nil
}

// accountEntry is what a request's API key resolves to.
type accountEntry struct {
	key auth.Key
	id  string // the matching engine's account id
	uid int64  // the account's "uid" in GET /api/v3/account
}

// registry maps API keys to accounts. The engine's account id is the API key
// itself, so replacing an account's key type keeps its orders.
type registry struct {
	mu      sync.RWMutex
	byKey   map[string]accountEntry
	nextUID int64
}

const firstUID = 100000001

func newRegistry() *registry {
	return &registry{byKey: make(map[string]accountEntry), nextUID: firstUID}
}

// put adds or replaces the key and returns the account id.
func (r *registry) put(key auth.Key) accountEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.byKey[key.APIKey]
	if !ok {
		e = accountEntry{id: key.APIKey, uid: r.nextUID}
		r.nextUID++
	}
	e.key = key
	r.byKey[key.APIKey] = e
	return e
}

func (r *registry) lookup(apiKey string) (accountEntry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.byKey[apiKey]
	return e, ok
}

func (r *registry) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.byKey)
	r.nextUID = firstUID
}

func (r *registry) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.byKey)
}

func isAssetName(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
