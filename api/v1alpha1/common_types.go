package v1alpha1

// Decimal is an exact, positive decimal number written as a string, such as
// "100" or "0.25": up to 20 integer digits and 18 fraction digits, with no
// sign, no exponent and no thousands separator. Money and ratios are never
// floating point in this API; use Parse to get an exact decimal.Decimal.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=39
// +kubebuilder:validation:XValidation:rule=`self.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') && self.matches('[1-9]')`,message=`must be a positive decimal number, e.g. "100" or "0.5"`,messageExpression=`'must be a positive decimal number written as a string, with at most 20 digits before the point and 18 after, and no sign or exponent, e.g. "100" or "0.5"; got "' + self + '"'`
type Decimal string

// NonNegativeDecimal is like Decimal but also allows zero, for settings where
// zero means "none" (for example no retry jitter).
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=39
// +kubebuilder:validation:XValidation:rule=`self.matches('^[0-9]{1,20}([.][0-9]{1,18})?$')`,message=`must be a decimal number of at least zero, e.g. "0" or "0.2"`,messageExpression=`'must be a decimal number of at least zero written as a string, with at most 20 digits before the point and 18 after, and no sign or exponent, e.g. "0" or "0.2"; got "' + self + '"'`
type NonNegativeDecimal string

// KlineInterval is the length of one candlestick, spelled as Binance spells
// it: s, m, h, d and w are seconds, minutes, hours, days and weeks, and a
// capital M is a calendar month.
// +kubebuilder:validation:Enum="1s";"1m";"3m";"5m";"15m";"30m";"1h";"2h";"4h";"6h";"8h";"12h";"1d";"3d";"1w";"1M"
type KlineInterval string

// The kline intervals Binance Spot serves.
const (
	Interval1s     KlineInterval = "1s"
	Interval1m     KlineInterval = "1m"
	Interval3m     KlineInterval = "3m"
	Interval5m     KlineInterval = "5m"
	Interval15m    KlineInterval = "15m"
	Interval30m    KlineInterval = "30m"
	Interval1h     KlineInterval = "1h"
	Interval2h     KlineInterval = "2h"
	Interval4h     KlineInterval = "4h"
	Interval6h     KlineInterval = "6h"
	Interval8h     KlineInterval = "8h"
	Interval12h    KlineInterval = "12h"
	Interval1d     KlineInterval = "1d"
	Interval3d     KlineInterval = "3d"
	Interval1w     KlineInterval = "1w"
	Interval1Month KlineInterval = "1M" // named apart from Interval1m on purpose
)
