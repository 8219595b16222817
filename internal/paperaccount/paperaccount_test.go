package paperaccount

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.uber.org/goleak"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEnsureCreatesOnceAndKeepsBalances: the first Ensure creates the
// account with the starting balances; after the account has traded, a
// second Ensure (an operator restart) changes nothing.
func TestEnsureCreatesOnceAndKeepsBalances(t *testing.T) {
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer func() { srv.Close(); sim.Close() }()
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: srv.URL, Stream: "ws" + strings.TrimPrefix(srv.URL, "http")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	creds := Credentials("0b0c6c4e-9d1e-4a51-8d3c-5a1d2f0e7a11")
	if other := Credentials("another-uid"); other.APIKey == creds.APIKey || other.Secret == creds.Secret {
		t.Fatal("two bots share a paper account")
	}
	if again := Credentials("0b0c6c4e-9d1e-4a51-8d3c-5a1d2f0e7a11"); again != creds {
		t.Fatal("the same bot got another account")
	}
	acct := reg.Account(ep, creds)
	opts := Options{SimulatorURL: srv.URL, Balances: map[string]decimal.Decimal{"USDT": decimal.NewFromInt(5000)}}
	created, err := Ensure(ctx, acct, creds, exchange.CallPolicy{}, opts)
	if err != nil || !created {
		t.Fatalf("first Ensure: created %v, %v", created, err)
	}
	if got := free(t, ctx, acct, "USDT"); !got.Equal(decimal.NewFromInt(5000)) {
		t.Fatalf("USDT %s, want 5000", got)
	}
	if _, err := acct.PlaceOrder(ctx, exchange.CallPolicy{}, exchange.OrderRequest{Symbol: "BTCUSDT", Side: "BUY", Type: "MARKET",
		QuoteQuantity: decimal.NewFromInt(1000), ClientOrderID: "paper-test-1"}); err != nil {
		t.Fatal(err)
	}
	spent := free(t, ctx, acct, "USDT")
	created, err = Ensure(ctx, acct, creds, exchange.CallPolicy{}, opts)
	if err != nil || created {
		t.Fatalf("second Ensure: created %v, %v", created, err)
	}
	if got := free(t, ctx, acct, "USDT"); !got.Equal(spent) || !got.LessThan(decimal.NewFromInt(5000)) {
		t.Errorf("USDT %s after the second Ensure, want %s (what the order left)", got, spent)
	}
}

// TestEnsureReportsOtherFailures: an exchange that cannot be reached is an
// error, not a reason to create an account.
func TestEnsureReportsOtherFailures(t *testing.T) {
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: "http://127.0.0.1:1", Stream: "ws://127.0.0.1:1"})
	creds := Credentials("uid")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	created, err := Ensure(ctx, reg.Account(ep, creds), creds, exchange.CallPolicy{}, Options{SimulatorURL: "http://127.0.0.1:1"})
	if err == nil || created {
		t.Fatalf("Ensure against nothing: created %v, %v", created, err)
	}
	if strings.Contains(err.Error(), creds.Secret) {
		t.Error("the error names the secret")
	}
}

func free(t *testing.T, ctx context.Context, acct *exchange.Account, asset string) decimal.Decimal {
	t.Helper()
	bs, err := acct.Balances(ctx, exchange.CallPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Asset == asset {
			return b.Free
		}
	}
	return decimal.Zero
}
