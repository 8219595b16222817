package paperaccount

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
)

// keyPrefix starts every paper account's API key.
const keyPrefix = "paper-"

// Credentials are the paper account of the bot with the given UID.
func Credentials(uid string) exchange.Credentials {
	sum := sha256.Sum256([]byte("tradebot-operator paper account\x00" + uid))
	return exchange.Credentials{APIKey: keyPrefix + uid, Secret: hex.EncodeToString(sum[:]), Type: exchange.KeyHMAC}
}

// Options configure Ensure.
type Options struct {
	// SimulatorURL is the simulator's base URL, whose admin API is under
	// /sim/v1/.
	SimulatorURL string
	// HTTP makes the admin call (nil: a client with no timeout beyond ctx).
	HTTP *http.Client
	// Balances are a new account's starting balances.
	Balances map[string]decimal.Decimal
}

// DefaultBalances are what a new paper account starts with.
func DefaultBalances() map[string]decimal.Decimal {
	return map[string]decimal.Decimal{"USDT": decimal.NewFromInt(10_000)}
}

// Ensure makes sure the simulator holds acct, the account of creds (from
// Credentials): it asks the exchange for the account's balances with its
// keys, and creates it with o.Balances only if the keys are unknown. It
// reports whether it created the account.
func Ensure(ctx context.Context, acct *exchange.Account, creds exchange.Credentials, p exchange.CallPolicy, o Options) (created bool, err error) {
	_, err = acct.Balances(ctx, p)
	if err == nil {
		return false, nil
	}
	var xe *exchange.Error
	if !errors.As(err, &xe) || xe.Class != exchange.ClassAuth {
		return false, fmt.Errorf("checking the paper account: %w", err)
	}
	if err := create(ctx, creds, o); err != nil {
		return false, err
	}
	return true, nil
}

func create(ctx context.Context, creds exchange.Credentials, o Options) error {
	if o.SimulatorURL == "" {
		return errors.New("paper accounts need the simulator's URL")
	}
	balances := o.Balances
	if balances == nil {
		balances = DefaultBalances()
	}
	body, err := json.Marshal(struct {
		APIKey    string                     `json:"apiKey"`
		SecretKey string                     `json:"secretKey"`
		Balances  map[string]decimal.Decimal `json:"balances"`
	}{creds.APIKey, creds.Secret, balances})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(o.SimulatorURL, "/")+"/sim/v1/accounts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	client := o.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("creating the paper account: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("creating the paper account: HTTP %d: %s", res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
