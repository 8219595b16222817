package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// StrategyType names a signal strategy.
// +kubebuilder:validation:Enum=SMACrossover;EMACrossover;RSI;BollingerBands
type StrategyType string

// Strategy types. Each one takes its parameters from the StrategySpec field
// of the same name, and only from that one.
const (
	// StrategySMACrossover signals when a fast simple moving average crosses
	// a slow one; parameters in smaCrossover.
	StrategySMACrossover StrategyType = "SMACrossover"
	// StrategyEMACrossover is the same with exponential moving averages;
	// parameters in emaCrossover.
	StrategyEMACrossover StrategyType = "EMACrossover"
	// StrategyRSI signals when the relative strength index leaves the
	// oversold or overbought band; parameters in rsi.
	StrategyRSI StrategyType = "RSI"
	// StrategyBollingerBands signals when the price closes outside the
	// Bollinger bands; parameters in bollingerBands.
	StrategyBollingerBands StrategyType = "BollingerBands"
)

// StrategySpec chooses a strategy and its parameters. Exactly the parameter
// block matching type must be set.
// +kubebuilder:validation:XValidation:rule="self.type != 'SMACrossover' || has(self.smaCrossover)",message="smaCrossover is required when type is SMACrossover: set its fastPeriod and slowPeriod",fieldPath=".smaCrossover",reason="FieldValueRequired"
// +kubebuilder:validation:XValidation:rule="self.type != 'EMACrossover' || has(self.emaCrossover)",message="emaCrossover is required when type is EMACrossover: set its fastPeriod and slowPeriod",fieldPath=".emaCrossover",reason="FieldValueRequired"
// +kubebuilder:validation:XValidation:rule="self.type != 'RSI' || has(self.rsi)",message="rsi is required when type is RSI; rsi: {} takes the defaults (period 14, oversold 30, overbought 70)",fieldPath=".rsi",reason="FieldValueRequired"
// +kubebuilder:validation:XValidation:rule="self.type != 'BollingerBands' || has(self.bollingerBands)",message="bollingerBands is required when type is BollingerBands; bollingerBands: {} takes the defaults (period 20, stdDevMultiplier 2)",fieldPath=".bollingerBands",reason="FieldValueRequired"
// +kubebuilder:validation:XValidation:rule="self.type == 'SMACrossover' || !has(self.smaCrossover)",message="smaCrossover may only be set when type is SMACrossover",fieldPath=".smaCrossover",reason="FieldValueForbidden"
// +kubebuilder:validation:XValidation:rule="self.type == 'EMACrossover' || !has(self.emaCrossover)",message="emaCrossover may only be set when type is EMACrossover",fieldPath=".emaCrossover",reason="FieldValueForbidden"
// +kubebuilder:validation:XValidation:rule="self.type == 'RSI' || !has(self.rsi)",message="rsi may only be set when type is RSI",fieldPath=".rsi",reason="FieldValueForbidden"
// +kubebuilder:validation:XValidation:rule="self.type == 'BollingerBands' || !has(self.bollingerBands)",message="bollingerBands may only be set when type is BollingerBands",fieldPath=".bollingerBands",reason="FieldValueForbidden"
type StrategySpec struct {
	// type is the strategy: SMACrossover, EMACrossover, RSI or
	// BollingerBands. The parameter block of the same name must be set.
	// +required
	Type StrategyType `json:"type"`

	// interval is the kline (candlestick) interval the strategy reads, as
	// Binance spells it: "1m" by default.
	// +kubebuilder:default="1m"
	// +optional
	Interval KlineInterval `json:"interval,omitempty"`

	// smaCrossover holds the parameters when type is SMACrossover.
	// +optional
	SMACrossover *CrossoverParams `json:"smaCrossover,omitempty"`

	// emaCrossover holds the parameters when type is EMACrossover.
	// +optional
	EMACrossover *CrossoverParams `json:"emaCrossover,omitempty"`

	// rsi holds the parameters when type is RSI.
	// +optional
	RSI *RSIParams `json:"rsi,omitempty"`

	// bollingerBands holds the parameters when type is BollingerBands.
	// +optional
	BollingerBands *BollingerParams `json:"bollingerBands,omitempty"`

	// minConfidence is the lowest confidence, above 0 and at most 1, at which
	// a signal is acted on (or, for a SymbolWatch, reported). Default "0.6".
	// +kubebuilder:default="0.6"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || ('00000000000000000000'.substring(self.contains('.') ? self.indexOf('.') : self.size()) + self.replace('.', "") + '000000000000000000').substring(0, 38) <= '00000000000000000001000000000000000000'`,message=`minConfidence must be at most 1`,messageExpression=`'minConfidence must be at most 1, not ' + self`
	// +optional
	MinConfidence Decimal `json:"minConfidence,omitempty"`

	// signalRetention is how long signals are kept in the resource's signal
	// store (and so in status.signals.last), from 1m to 720h (default
	// "24h"). Counters are kept for the resource's life whatever this says.
	// +kubebuilder:default="24h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) >= duration('1m') && duration(self) <= duration('720h')`,message=`signalRetention must be a duration from 1m to 720h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'signalRetention must be a duration from 1m to 720h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	SignalRetention *metav1.Duration `json:"signalRetention,omitempty"`
}

// CrossoverParams are the two moving-average lengths of a crossover strategy,
// counted in klines.
// +kubebuilder:validation:XValidation:rule="self.fastPeriod < self.slowPeriod",message="fastPeriod must be less than slowPeriod",fieldPath=".fastPeriod",reason="FieldValueInvalid"
type CrossoverParams struct {
	// fastPeriod is the length of the fast average, 2 to 500 klines; it must
	// be less than slowPeriod.
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=500
	// +required
	FastPeriod int32 `json:"fastPeriod"`

	// slowPeriod is the length of the slow average, 2 to 500 klines.
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=500
	// +required
	SlowPeriod int32 `json:"slowPeriod"`
}

// RSIParams are the parameters of the RSI strategy.
// Decimal bounds compare exact strings: each side padded to 20 integer and
// 18 fraction digits, then compared as text (double() would round).
// +kubebuilder:validation:XValidation:rule=`!has(self.oversold) || !has(self.overbought) || !self.oversold.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || !self.overbought.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || ('00000000000000000000'.substring(self.oversold.contains('.') ? self.oversold.indexOf('.') : self.oversold.size()) + self.oversold.replace('.', "") + '000000000000000000').substring(0, 38) < ('00000000000000000000'.substring(self.overbought.contains('.') ? self.overbought.indexOf('.') : self.overbought.size()) + self.overbought.replace('.', "") + '000000000000000000').substring(0, 38)`,message=`oversold must be less than overbought`,messageExpression=`'oversold (' + self.oversold + ') must be less than overbought (' + self.overbought + ')'`,fieldPath=".oversold",reason="FieldValueInvalid"
type RSIParams struct {
	// period is the RSI length in klines, 2 to 500 (default 14).
	// +kubebuilder:default=14
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=500
	// +optional
	Period int32 `json:"period,omitempty"`

	// oversold is the RSI level (above 0, at most 100) under which the
	// market is oversold and a BUY is signalled. Default "30".
	// +kubebuilder:default="30"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || ('00000000000000000000'.substring(self.contains('.') ? self.indexOf('.') : self.size()) + self.replace('.', "") + '000000000000000000').substring(0, 38) <= '00000000000000000100000000000000000000'`,message=`oversold must be at most 100`,messageExpression=`'oversold must be at most 100, not ' + self`
	// +optional
	Oversold Decimal `json:"oversold,omitempty"`

	// overbought is the RSI level (above 0, at most 100) over which the
	// market is overbought and a SELL is signalled. Default "70".
	// +kubebuilder:default="70"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || ('00000000000000000000'.substring(self.contains('.') ? self.indexOf('.') : self.size()) + self.replace('.', "") + '000000000000000000').substring(0, 38) <= '00000000000000000100000000000000000000'`,message=`overbought must be at most 100`,messageExpression=`'overbought must be at most 100, not ' + self`
	// +optional
	Overbought Decimal `json:"overbought,omitempty"`
}

// BollingerParams are the parameters of the Bollinger Bands strategy.
type BollingerParams struct {
	// period is the length of the middle band's moving average in klines,
	// 2 to 500 (default 20).
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=500
	// +optional
	Period int32 `json:"period,omitempty"`

	// stdDevMultiplier is how many standard deviations the outer bands lie
	// from the middle one, above 0 and at most 10 (default "2").
	// +kubebuilder:default="2"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || ('00000000000000000000'.substring(self.contains('.') ? self.indexOf('.') : self.size()) + self.replace('.', "") + '000000000000000000').substring(0, 38) <= '00000000000000000010000000000000000000'`,message=`stdDevMultiplier must be at most 10`,messageExpression=`'stdDevMultiplier must be at most 10, not ' + self`
	// +optional
	StdDevMultiplier Decimal `json:"stdDevMultiplier,omitempty"`
}
