package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// defaultSymbolList is the --symbols default: every built-in symbol.
func defaultSymbolList() string {
	var names []string
	for _, s := range exchangesim.DefaultSymbols() {
		names = append(names, s.Symbol)
	}
	return strings.Join(names, ",")
}

// errShowVersion is what parseFlags returns for --version: print the
// version instead of serving.
var errShowVersion = errors.New("--version")

// parseFlags maps the command line onto an exchangesim.Config.
func parseFlags(args []string, output io.Writer) (exchangesim.Config, error) {
	cfg := exchangesim.DefaultConfig()
	fs := flag.NewFlagSet("exchange-sim", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintln(output, "Usage: exchange-sim [flags]\n\nA Binance-Spot-compatible exchange simulator. Flags:")
		fs.PrintDefaults()
	}
	symbols := fs.String("symbols", defaultSymbolList(), "comma-separated built-in symbols to simulate; NAME=PRICE sets a start price")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the price paths (same seed, same market)")
	fs.DurationVar(&cfg.Tick, "tick", cfg.Tick, "simulated time between price steps")
	fs.DurationVar(&cfg.History, "history", cfg.History, "market history generated before the start")
	fs.IntVar(&cfg.WeightLimit, "weight-limit", cfg.WeightLimit, "REQUEST_WEIGHT per client IP per minute")
	fs.IntVar(&cfg.RawRequestLimit, "raw-request-limit", cfg.RawRequestLimit, "RAW_REQUESTS per client IP per 5 minutes")
	fs.IntVar(&cfg.OrderLimit10s, "order-limit-10s", cfg.OrderLimit10s, "ORDERS per account per 10 seconds")
	fs.IntVar(&cfg.OrderLimitDay, "order-limit-day", cfg.OrderLimitDay, "ORDERS per account per day")
	fs.DurationVar(&cfg.WSPingInterval, "ws-ping-interval", cfg.WSPingInterval, "WebSocket ping interval")
	fs.DurationVar(&cfg.WSPongTimeout, "ws-pong-timeout", cfg.WSPongTimeout, "close a WebSocket that sends no pong within this")
	fs.DurationVar(&cfg.WSMaxLifetime, "ws-max-lifetime", cfg.WSMaxLifetime, "longest WebSocket connection")
	fs.Float64Var(&cfg.BanScale, "ban-scale", cfg.BanScale, "multiplier of 418 ban lengths (first ban 2m)")
	fs.StringVar(&cfg.ReplayFile, "replay", "", "CSV of klines to replay instead of random prices")
	fs.StringVar(&cfg.AccountsFile, "accounts", "", "JSON file of accounts to create at start")
	showVersion := fs.Bool("version", false, "print the version and revision, then exit")
	if err := fs.Parse(args); err != nil {
		return exchangesim.Config{}, err
	}
	if *showVersion {
		return exchangesim.Config{}, errShowVersion
	}
	if fs.NArg() > 0 {
		return exchangesim.Config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	selected, err := exchangesim.SelectSymbols(*symbols)
	if err != nil {
		return exchangesim.Config{}, fmt.Errorf("--symbols: %w", err)
	}
	cfg.Symbols = selected
	return cfg, nil
}
