package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestParseFlagsDefaults(t *testing.T) {
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := exchangesim.DefaultConfig()
	cfg.Now, want.Now = nil, nil
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("defaults differ:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{
		"--listen", "127.0.0.1:9999", "--seed", "42", "--symbols", "ETHUSDT,BTCUSDT=70000",
		"--tick", "250ms", "--history", "2h", "--weight-limit", "1200", "--raw-request-limit", "5000",
		"--order-limit-10s", "10", "--order-limit-day", "1000", "--ws-ping-interval", "3s",
		"--ws-pong-timeout", "9s", "--ws-max-lifetime", "1h", "--ban-scale", "0.001",
		"--replay", "r.csv", "--accounts", "a.json",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9999" || cfg.Seed != 42 || cfg.Tick != 250*time.Millisecond || cfg.History != 2*time.Hour ||
		cfg.WeightLimit != 1200 || cfg.RawRequestLimit != 5000 || cfg.OrderLimit10s != 10 || cfg.OrderLimitDay != 1000 ||
		cfg.WSPingInterval != 3*time.Second || cfg.WSPongTimeout != 9*time.Second || cfg.WSMaxLifetime != time.Hour ||
		cfg.BanScale != 0.001 || cfg.ReplayFile != "r.csv" || cfg.AccountsFile != "a.json" {
		t.Fatalf("cfg = %+v", cfg)
	}
	if len(cfg.Symbols) != 2 || cfg.Symbols[0].Spec.Symbol != "ETHUSDT" || cfg.Symbols[1].StartPrice.String() != "70000" {
		t.Fatalf("symbols = %+v", cfg.Symbols)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--symbols", "NOPE"},
		{"--tick", "soon"},
		{"--unknown"},
		{"extra"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	if _, err := parseFlags([]string{"--help"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
}

func TestRunVersion(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), []string{"--version"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "exchange-sim version ") || !strings.Contains(out.String(), " revision ") {
		t.Fatalf("--version printed %q", out.String())
	}
}

func TestRunServesUntilCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--history", "10m", "--tick", "20ms"}, w, io.Discard)
		w.Close()
	}()
	lines := bufio.NewScanner(out)
	var printed []string
	for len(printed) < 3 && lines.Scan() {
		printed = append(printed, lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if len(printed) != 3 || !strings.HasPrefix(printed[0], "exchange-sim listening on http://127.0.0.1:") ||
		!strings.Contains(printed[1], exchangesim.DemoAPIKey) || !strings.Contains(printed[2], exchangesim.DemoSecretKey) {
		t.Fatalf("printed %q", printed)
	}
	base := strings.TrimPrefix(printed[0], "exchange-sim listening on ")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get(base + "/api/v3/ping")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "{}" {
		t.Fatalf("ping: %d %s", res.StatusCode, body)
	}
	tr.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunFailsOnBadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.json")
	if err := os.WriteFile(path, []byte(`[{"apiKey": ""}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), []string{"--listen", "127.0.0.1:0", "--history", "1m", "--accounts", path}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "apiKey") {
		t.Fatalf("run with a bad accounts file: %v", err)
	}
}
