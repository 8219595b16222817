package signal

import (
	"errors"
	"fmt"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// Defaults for parameters an object built in Go may leave empty; they are
// the CRD's defaults, so a spec read from the API server never needs them.
const (
	DefaultRSIPeriod        = 14
	DefaultOversold         = 30.0
	DefaultOverbought       = 70.0
	DefaultBollingerPeriod  = 20
	DefaultStdDevMultiplier = 2.0
	DefaultMinConfidence    = 0.6
)

// Parameter bounds, as the CRD validates them.
const (
	MinPeriod = 2
	MaxPeriod = 500
	// MaxWarmupKlines bounds WarmupKlines.
	MaxWarmupKlines = 1000
)

// Config is one strategy with its parameters, parsed from a StrategySpec.
// Each type reads only its own fields: FastPeriod and SlowPeriod for the
// crossovers, Period with Oversold and Overbought for RSI, Period with
// StdDevMultiplier for BollingerBands. The thresholds are float64 because
// they are compared with indicator values; none of them is an amount.
type Config struct {
	Type v1alpha1.StrategyType

	FastPeriod, SlowPeriod int

	Period int
	// Oversold and Overbought are RSI levels, 0 to 100.
	Oversold, Overbought float64
	// StdDevMultiplier is how many standard deviations the Bollinger bands
	// lie from the middle one.
	StdDevMultiplier float64

	// MinConfidence is the lowest confidence at which a signal is acted on
	// or reported, in (0, 1].
	MinConfidence float64
}

// ConfigFromSpec parses and checks a StrategySpec. Errors name the field,
// relative to the strategy block (for example "rsi.oversold").
func ConfigFromSpec(s v1alpha1.StrategySpec) (Config, error) {
	c := Config{Type: s.Type}
	var err error
	if c.MinConfidence, err = ratioField("minConfidence", s.MinConfidence, DefaultMinConfidence); err != nil {
		return Config{}, err
	}
	switch s.Type {
	case v1alpha1.StrategySMACrossover, v1alpha1.StrategyEMACrossover:
		field, p := "smaCrossover", s.SMACrossover
		if s.Type == v1alpha1.StrategyEMACrossover {
			field, p = "emaCrossover", s.EMACrossover
		}
		if p == nil {
			return Config{}, fmt.Errorf("%s: required when type is %s", field, s.Type)
		}
		c.FastPeriod, c.SlowPeriod = int(p.FastPeriod), int(p.SlowPeriod)
	case v1alpha1.StrategyRSI:
		if s.RSI == nil {
			return Config{}, errors.New("rsi: required when type is RSI")
		}
		c.Period = orDefault(int(s.RSI.Period), DefaultRSIPeriod)
		if c.Oversold, err = ratioField("rsi.oversold", s.RSI.Oversold, DefaultOversold); err != nil {
			return Config{}, err
		}
		if c.Overbought, err = ratioField("rsi.overbought", s.RSI.Overbought, DefaultOverbought); err != nil {
			return Config{}, err
		}
	case v1alpha1.StrategyBollingerBands:
		if s.BollingerBands == nil {
			return Config{}, errors.New("bollingerBands: required when type is BollingerBands")
		}
		c.Period = orDefault(int(s.BollingerBands.Period), DefaultBollingerPeriod)
		if c.StdDevMultiplier, err = ratioField("bollingerBands.stdDevMultiplier", s.BollingerBands.StdDevMultiplier, DefaultStdDevMultiplier); err != nil {
			return Config{}, err
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// ratioField parses a Decimal threshold; empty means the default.
func ratioField(field string, d v1alpha1.Decimal, def float64) (float64, error) {
	if d == "" {
		return def, nil
	}
	v, err := d.Parse()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", field, err)
	}
	return v.InexactFloat64(), nil
}

// Validate checks the fields the configured type reads, with errors naming
// the spec field.
func (c Config) Validate() error {
	if !(c.MinConfidence > 0 && c.MinConfidence <= 1) {
		return fmt.Errorf("minConfidence: %v must be above 0 and at most 1", c.MinConfidence)
	}
	switch c.Type {
	case v1alpha1.StrategySMACrossover, v1alpha1.StrategyEMACrossover:
		field := "smaCrossover"
		if c.Type == v1alpha1.StrategyEMACrossover {
			field = "emaCrossover"
		}
		if err := checkSpecPeriod(field+".fastPeriod", c.FastPeriod); err != nil {
			return err
		}
		if err := checkSpecPeriod(field+".slowPeriod", c.SlowPeriod); err != nil {
			return err
		}
		if c.FastPeriod >= c.SlowPeriod {
			return fmt.Errorf("%s.fastPeriod: %d must be less than slowPeriod %d", field, c.FastPeriod, c.SlowPeriod)
		}
	case v1alpha1.StrategyRSI:
		if err := checkSpecPeriod("rsi.period", c.Period); err != nil {
			return err
		}
		if !(c.Oversold > 0 && c.Oversold <= 100) {
			return fmt.Errorf("rsi.oversold: %v must be above 0 and at most 100", c.Oversold)
		}
		if !(c.Overbought > 0 && c.Overbought <= 100) {
			return fmt.Errorf("rsi.overbought: %v must be above 0 and at most 100", c.Overbought)
		}
		if c.Oversold >= c.Overbought {
			return fmt.Errorf("rsi.oversold: %v must be less than overbought %v", c.Oversold, c.Overbought)
		}
	case v1alpha1.StrategyBollingerBands:
		if err := checkSpecPeriod("bollingerBands.period", c.Period); err != nil {
			return err
		}
		if !(c.StdDevMultiplier > 0 && c.StdDevMultiplier <= 10) {
			return fmt.Errorf("bollingerBands.stdDevMultiplier: %v must be above 0 and at most 10", c.StdDevMultiplier)
		}
	default:
		return fmt.Errorf("type: unknown strategy %q", c.Type)
	}
	return nil
}

func checkSpecPeriod(field string, p int) error {
	if p < MinPeriod || p > MaxPeriod {
		return fmt.Errorf("%s: %d must be from %d to %d", field, p, MinPeriod, MaxPeriod)
	}
	return nil
}

// Accepts reports whether s is confident enough to act on or report.
func (c Config) Accepts(s Signal) bool {
	return s.Confidence >= c.MinConfidence
}

// WarmupKlines is how many closed klines a strategy of this configuration
// folds before it may signal: the caller fetches that many at start so the
// first live kline can already give a signal. Windowed indicators need
// exactly their window; the smoothed ones (EMA, Wilder's RSI, and the
// averages the confidences are normalised by) need time for their seed to
// fade, so they take several periods, at most MaxWarmupKlines. Zero for an
// invalid configuration.
func (c Config) WarmupKlines() int {
	switch c.Type {
	case v1alpha1.StrategySMACrossover:
		// The averages exist after slowPeriod klines; the usual size of the
		// gap's moves (for the confidence) settles over two more periods.
		return min(MaxWarmupKlines, smaWarmupPeriods*c.SlowPeriod)
	case v1alpha1.StrategyEMACrossover:
		// The seed's weight after 3·slow more klines is
		// (1−2/(slow+1))^(3·slow) ≈ e⁻⁶ ≈ 0.25 %.
		return min(MaxWarmupKlines, emaWarmupPeriods*c.SlowPeriod)
	case v1alpha1.StrategyRSI:
		// Wilder's smoothing keeps (1−1/period) of the past per kline: after
		// 5·period more klines the seed weighs e⁻⁵ ≈ 0.7 %.
		return min(MaxWarmupKlines, rsiWarmupPeriods*c.Period+1)
	case v1alpha1.StrategyBollingerBands:
		return c.Period
	}
	return 0
}

// Warm-up lengths of the smoothed indicators, in periods.
const (
	smaWarmupPeriods = 3
	emaWarmupPeriods = 4
	rsiWarmupPeriods = 6
)
