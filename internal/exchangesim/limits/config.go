package limits

import "time"

// Config sets the limits. Zero fields take Binance's current values.
type Config struct {
	WeightPerMinute  int // REQUEST_WEIGHT per IP per 1m (default 6000)
	RawRequestsPer5m int // RAW_REQUESTS per IP per 5m (default 300000)
	OrdersPer10s     int // ORDERS per account per 10s (default 100)
	OrdersPerDay     int // ORDERS per account per UTC day (default 200000)
	// BanBase is the first 418 ban's length (default 2m); each later ban of the
	// same IP doubles, up to BanMax (default 72h).
	BanBase time.Duration
	BanMax  time.Duration
	// BanMemory is how long after a ban ends a new offence still counts as a
	// repeat and doubles the ban (default 24h).
	BanMemory time.Duration
	Now       func() time.Time // default time.Now
}

// Binance's published values, used for zero Config fields.
const (
	DefaultWeightPerMinute  = 6000
	DefaultRawRequestsPer5m = 300000
	DefaultOrdersPer10s     = 100
	DefaultOrdersPerDay     = 200000
	DefaultBanBase          = 2 * time.Minute
	DefaultBanMax           = 72 * time.Hour
	DefaultBanMemory        = 24 * time.Hour
)

// withDefaults fills every zero or negative field.
func (c Config) withDefaults() Config {
	if c.WeightPerMinute <= 0 {
		c.WeightPerMinute = DefaultWeightPerMinute
	}
	if c.RawRequestsPer5m <= 0 {
		c.RawRequestsPer5m = DefaultRawRequestsPer5m
	}
	if c.OrdersPer10s <= 0 {
		c.OrdersPer10s = DefaultOrdersPer10s
	}
	if c.OrdersPerDay <= 0 {
		c.OrdersPerDay = DefaultOrdersPerDay
	}
	if c.BanBase <= 0 {
		c.BanBase = DefaultBanBase
	}
	if c.BanMax <= 0 {
		c.BanMax = DefaultBanMax
	}
	if c.BanMemory <= 0 {
		c.BanMemory = DefaultBanMemory
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// RateLimit is one entry of exchangeInfo's rateLimits array, in Binance's JSON.
type RateLimit struct {
	RateLimitType string `json:"rateLimitType"` // REQUEST_WEIGHT, ORDERS, RAW_REQUESTS
	Interval      string `json:"interval"`      // SECOND, MINUTE, DAY
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
}

// RateLimits lists the limits in the order Binance's exchangeInfo does. Call it
// on Limiter.Limits() so defaults are filled in.
func (c Config) RateLimits() []RateLimit {
	return []RateLimit{
		{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: c.WeightPerMinute},
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: c.OrdersPer10s},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: c.OrdersPerDay},
		{RateLimitType: "RAW_REQUESTS", Interval: "MINUTE", IntervalNum: 5, Limit: c.RawRequestsPer5m},
	}
}
