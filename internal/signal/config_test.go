package signal

import (
	"strings"
	"testing"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

func TestConfigFromSpec(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec v1alpha1.StrategySpec
		want Config
	}{
		{"sma", v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover, MinConfidence: "0.75",
			SMACrossover: &v1alpha1.CrossoverParams{FastPeriod: 9, SlowPeriod: 21}},
			Config{Type: v1alpha1.StrategySMACrossover, FastPeriod: 9, SlowPeriod: 21, MinConfidence: 0.75}},
		{"ema", v1alpha1.StrategySpec{Type: v1alpha1.StrategyEMACrossover,
			EMACrossover: &v1alpha1.CrossoverParams{FastPeriod: 12, SlowPeriod: 26}},
			Config{Type: v1alpha1.StrategyEMACrossover, FastPeriod: 12, SlowPeriod: 26, MinConfidence: 0.6}},
		{"rsi with defaults", v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, RSI: &v1alpha1.RSIParams{}},
			Config{Type: v1alpha1.StrategyRSI, Period: 14, Oversold: 30, Overbought: 70, MinConfidence: 0.6}},
		{"rsi", v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, MinConfidence: "1",
			RSI: &v1alpha1.RSIParams{Period: 7, Oversold: "20.5", Overbought: "80"}},
			Config{Type: v1alpha1.StrategyRSI, Period: 7, Oversold: 20.5, Overbought: 80, MinConfidence: 1}},
		{"bollinger with defaults", v1alpha1.StrategySpec{Type: v1alpha1.StrategyBollingerBands, BollingerBands: &v1alpha1.BollingerParams{}},
			Config{Type: v1alpha1.StrategyBollingerBands, Period: 20, StdDevMultiplier: 2, MinConfidence: 0.6}},
		{"bollinger", v1alpha1.StrategySpec{Type: v1alpha1.StrategyBollingerBands,
			BollingerBands: &v1alpha1.BollingerParams{Period: 50, StdDevMultiplier: "2.5"}},
			Config{Type: v1alpha1.StrategyBollingerBands, Period: 50, StdDevMultiplier: 2.5, MinConfidence: 0.6}},
	} {
		got, err := ConfigFromSpec(tc.spec)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestConfigFromSpecErrors(t *testing.T) {
	cross := func(f, s int32) *v1alpha1.CrossoverParams {
		return &v1alpha1.CrossoverParams{FastPeriod: f, SlowPeriod: s}
	}
	for _, tc := range []struct {
		spec  v1alpha1.StrategySpec
		field string
	}{
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover}, "smaCrossover:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyEMACrossover, SMACrossover: cross(2, 3)}, "emaCrossover:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover, SMACrossover: cross(21, 9)}, "smaCrossover.fastPeriod:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover, SMACrossover: cross(1, 9)}, "smaCrossover.fastPeriod:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyEMACrossover, EMACrossover: cross(9, 501)}, "emaCrossover.slowPeriod:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI}, "rsi:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, RSI: &v1alpha1.RSIParams{Oversold: "thirty"}}, "rsi.oversold:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, RSI: &v1alpha1.RSIParams{Oversold: "80"}}, "rsi.oversold:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, RSI: &v1alpha1.RSIParams{Overbought: "101"}}, "rsi.overbought:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, RSI: &v1alpha1.RSIParams{Period: 1}}, "rsi.period:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyBollingerBands}, "bollingerBands:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyBollingerBands, BollingerBands: &v1alpha1.BollingerParams{StdDevMultiplier: "11"}}, "bollingerBands.stdDevMultiplier:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyBollingerBands, BollingerBands: &v1alpha1.BollingerParams{StdDevMultiplier: "0"}}, "bollingerBands.stdDevMultiplier:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, RSI: &v1alpha1.RSIParams{}, MinConfidence: "1.5"}, "minConfidence:"},
		{v1alpha1.StrategySpec{Type: v1alpha1.StrategyRSI, RSI: &v1alpha1.RSIParams{}, MinConfidence: "-1"}, "minConfidence:"},
		{v1alpha1.StrategySpec{Type: "MACD"}, "type:"},
	} {
		_, err := ConfigFromSpec(tc.spec)
		if err == nil || !strings.HasPrefix(err.Error(), tc.field) {
			t.Errorf("%+v: error %v, want one about %s", tc.spec, err, tc.field)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(smaConfig(9, 21), ""); err == nil {
		t.Error("no error for an empty symbol")
	}
	if _, err := New(Config{Type: v1alpha1.StrategyRSI, Period: 14, Oversold: 30, Overbought: 70}, "BTCUSDT"); err == nil {
		t.Error("no error for a zero minConfidence")
	}
}

func TestAccepts(t *testing.T) {
	c := smaConfig(9, 21)
	for _, tc := range []struct {
		conf float64
		want bool
	}{{0.5999, false}, {0.6, true}, {1, true}} {
		if got := c.Accepts(Signal{Confidence: tc.conf}); got != tc.want {
			t.Errorf("Accepts(%v) = %v", tc.conf, got)
		}
	}
}

func TestWarmupKlines(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want int
	}{
		{smaConfig(9, 21), 63},
		{smaConfig(50, 400), MaxWarmupKlines},
		{emaConfig(12, 26), 104},
		{rsiConfig(14, 30, 70), 85},
		{rsiConfig(500, 30, 70), MaxWarmupKlines},
		{bollingerConfig(20, 2), 20},
		{Config{Type: "MACD"}, 0},
	} {
		if got := tc.cfg.WarmupKlines(); got != tc.want {
			t.Errorf("%+v: %d, want %d", tc.cfg, got, tc.want)
		}
	}
}
