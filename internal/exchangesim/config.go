package exchangesim

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Config configures a Simulator. Every flag of cmd/exchange-sim is a field;
// DefaultConfig returns the values the flags default to.
type Config struct {
	// Listen is the address cmd/exchange-sim listens on; New ignores it.
	Listen string
	// Seed makes the price paths reproducible: the same seed, start time and
	// Step calls give the same prices, trades and klines.
	Seed int64
	// Symbols are the traded symbols with their filters and price models.
	Symbols []SymbolConfig
	// Tick is the simulated time between price steps (and Run's period).
	Tick time.Duration
	// History is how much market history exists before the start time
	// (zero: the market's default, 24h).
	History time.Duration
	// WeightLimit is REQUEST_WEIGHT per client IP per minute.
	WeightLimit int
	// RawRequestLimit is RAW_REQUESTS per client IP per 5 minutes.
	RawRequestLimit int
	// OrderLimit10s and OrderLimitDay are the ORDERS limits per account.
	OrderLimit10s, OrderLimitDay int
	// WSPingInterval, WSPongTimeout and WSMaxLifetime are the WebSocket
	// connection rules shared by the streams and the WebSocket API.
	WSPingInterval, WSPongTimeout, WSMaxLifetime time.Duration
	// BanScale multiplies the length of 418 bans (2 minutes at first), so
	// tests can use milliseconds.
	BanScale float64
	// ReplayFile, if set, is a CSV of klines replayed instead of the random
	// price paths (see market.ParseReplayCSV for the format).
	ReplayFile string
	// AccountsFile, if set, is a JSON list of accounts in the admin API's
	// format, created at start and again by every reset.
	AccountsFile string
	// Accounts are created at start and by every reset, after the demo
	// account and AccountsFile.
	Accounts []AccountSpec
	// CommissionRate is charged on every fill, in the asset received; zero
	// means the default, 0.1 %.
	CommissionRate decimal.Decimal
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Defaults of Config (and of the command-line flags).
const (
	DefaultListen          = "127.0.0.1:18090"
	DefaultSeed            = 1
	DefaultTick            = time.Second
	DefaultHistory         = 24 * time.Hour
	DefaultWeightLimit     = 6000
	DefaultRawRequestLimit = 300000
	DefaultOrderLimit10s   = 100
	DefaultOrderLimitDay   = 200000
	DefaultWSPingInterval  = 20 * time.Second
	DefaultWSPongTimeout   = time.Minute
	DefaultWSMaxLifetime   = 24 * time.Hour
	DefaultBanScale        = 1.0
	defaultCommissionRate  = "0.001"
	firstBanLength         = 2 * time.Minute
	longestBan             = 72 * time.Hour
	maxTick                = time.Hour
	maxHistory             = 30 * 24 * time.Hour
)

// DefaultConfig returns the configuration cmd/exchange-sim runs with when it
// is given no flags.
func DefaultConfig() Config {
	return Config{
		Listen:          DefaultListen,
		Seed:            DefaultSeed,
		Symbols:         DefaultSymbolConfigs(),
		Tick:            DefaultTick,
		History:         DefaultHistory,
		WeightLimit:     DefaultWeightLimit,
		RawRequestLimit: DefaultRawRequestLimit,
		OrderLimit10s:   DefaultOrderLimit10s,
		OrderLimitDay:   DefaultOrderLimitDay,
		WSPingInterval:  DefaultWSPingInterval,
		WSPongTimeout:   DefaultWSPongTimeout,
		WSMaxLifetime:   DefaultWSMaxLifetime,
		BanScale:        DefaultBanScale,
		CommissionRate:  decimal.RequireFromString(defaultCommissionRate),
		Now:             time.Now,
	}
}

// applyDefaults replaces zero fields by their defaults, so a partly filled
// Config (as tests write them) works. Seed keeps its zero value; a zero
// History is left to the market, whose default is 24h.
func (c *Config) applyDefaults() {
	d := DefaultConfig()
	if len(c.Symbols) == 0 {
		c.Symbols = d.Symbols
	}
	if c.Tick == 0 {
		c.Tick = d.Tick
	}
	if c.WeightLimit == 0 {
		c.WeightLimit = d.WeightLimit
	}
	if c.RawRequestLimit == 0 {
		c.RawRequestLimit = d.RawRequestLimit
	}
	if c.OrderLimit10s == 0 {
		c.OrderLimit10s = d.OrderLimit10s
	}
	if c.OrderLimitDay == 0 {
		c.OrderLimitDay = d.OrderLimitDay
	}
	if c.WSPingInterval == 0 {
		c.WSPingInterval = d.WSPingInterval
	}
	if c.WSPongTimeout == 0 {
		c.WSPongTimeout = d.WSPongTimeout
	}
	if c.WSMaxLifetime == 0 {
		c.WSMaxLifetime = d.WSMaxLifetime
	}
	if c.BanScale == 0 {
		c.BanScale = d.BanScale
	}
	if c.CommissionRate.IsZero() {
		c.CommissionRate = d.CommissionRate
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// validate reports every field that is out of range.
func (c *Config) validate() error {
	var errs []error
	check := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Tick < time.Millisecond || c.Tick > maxTick, "tick %v must be between 1ms and %v", c.Tick, maxTick)
	check(c.History < 0 || c.History > maxHistory, "history %v must be between 0 and %v", c.History, maxHistory)
	check(c.WeightLimit < 1, "weight limit %d must be positive", c.WeightLimit)
	check(c.RawRequestLimit < 1, "raw request limit %d must be positive", c.RawRequestLimit)
	check(c.OrderLimit10s < 1, "order limit per 10s %d must be positive", c.OrderLimit10s)
	check(c.OrderLimitDay < 1, "order limit per day %d must be positive", c.OrderLimitDay)
	check(c.WSPingInterval <= 0, "websocket ping interval %v must be positive", c.WSPingInterval)
	check(c.WSPongTimeout <= 0, "websocket pong timeout %v must be positive", c.WSPongTimeout)
	check(c.WSMaxLifetime <= 0, "websocket max lifetime %v must be positive", c.WSMaxLifetime)
	check(!(c.BanScale > 0 && c.BanScale <= 1000), "ban scale %v must be in (0, 1000]", c.BanScale)
	check(c.CommissionRate.IsNegative() || c.CommissionRate.GreaterThanOrEqual(decimal.NewFromInt(1)),
		"commission rate %s must be in [0, 1)", c.CommissionRate)
	seen := make(map[string]bool, len(c.Symbols))
	for _, sc := range c.Symbols {
		check(seen[sc.Spec.Symbol], "symbol %q configured twice", sc.Spec.Symbol)
		seen[sc.Spec.Symbol] = true
		check(!isSymbolName(sc.Spec.Symbol), "symbol %q must be 1-20 of A-Z 0-9 - _ .", sc.Spec.Symbol)
		check(!sc.StartPrice.IsPositive(), "symbol %s: start price %s must be positive", sc.Spec.Symbol, sc.StartPrice)
	}
	return errors.Join(errs...)
}

// scaledBan multiplies a ban length by the configured scale.
func (c *Config) scaledBan(d time.Duration) time.Duration {
	scaled := time.Duration(float64(d) * c.BanScale)
	if scaled < time.Millisecond {
		scaled = time.Millisecond
	}
	return scaled
}
