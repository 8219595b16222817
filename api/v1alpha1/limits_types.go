package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Durations in this API are Go duration strings such as "30s", "1m30s" or
// "250ms"; each field states its bounds. One CEL rule per field checks the
// syntax and the bounds and says both in words. Its pattern caps the digits
// of each part (h 5, m 6, s 8, ms 11, us 14, ns 17), so that no string of at
// most 32 characters overflows a Go duration: duration() then never fails
// with a conversion error, and the operator parses whatever was accepted.

// RiskSpec holds the limits checked before every order. A breach of the
// daily loss limit halts the bot until a person resumes it.
// Decimal bounds compare exact strings: each side padded to 20 integer and
// 18 fraction digits, then compared as text (double() would round).
// +kubebuilder:validation:XValidation:rule=`!has(self.maxOrderQuote) || !has(self.maxPositionQuote) || !self.maxOrderQuote.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || !self.maxPositionQuote.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || ('00000000000000000000'.substring(self.maxOrderQuote.contains('.') ? self.maxOrderQuote.indexOf('.') : self.maxOrderQuote.size()) + self.maxOrderQuote.replace('.', "") + '000000000000000000').substring(0, 38) <= ('00000000000000000000'.substring(self.maxPositionQuote.contains('.') ? self.maxPositionQuote.indexOf('.') : self.maxPositionQuote.size()) + self.maxPositionQuote.replace('.', "") + '000000000000000000').substring(0, 38)`,message=`maxOrderQuote must not exceed maxPositionQuote`,messageExpression=`'maxOrderQuote (' + self.maxOrderQuote + ') must not exceed maxPositionQuote (' + self.maxPositionQuote + ')'`,fieldPath=".maxOrderQuote",reason="FieldValueInvalid"
type RiskSpec struct {
	// maxOrderQuote is the largest notional of one order, in the quote asset
	// (USDT for BTCUSDT). At most maxPositionQuote. Default "100".
	// +kubebuilder:default="100"
	// +optional
	MaxOrderQuote Decimal `json:"maxOrderQuote,omitempty"`

	// maxPositionQuote is the largest position per symbol, valued in the
	// quote asset at entry. Default "1000".
	// +kubebuilder:default="1000"
	// +optional
	MaxPositionQuote Decimal `json:"maxPositionQuote,omitempty"`

	// maxOrdersPerMinute caps the orders this bot places in any minute,
	// 1 to 600 (default 10).
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=600
	// +optional
	MaxOrdersPerMinute int32 `json:"maxOrdersPerMinute,omitempty"`

	// cooldown is the least time between two orders on one symbol, from 0s
	// to 24h (default "30s").
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) <= duration('24h')`,message=`cooldown must be a duration from 0s to 24h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'cooldown must be a duration from 0s to 24h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	Cooldown *metav1.Duration `json:"cooldown,omitempty"`

	// maxDailyLossQuote is the realized plus unrealized loss, in the quote
	// asset, since 00:00 UTC at which the bot halts (condition RiskHalted).
	// Default "100".
	// +kubebuilder:default="100"
	// +optional
	MaxDailyLossQuote Decimal `json:"maxDailyLossQuote,omitempty"`
}

// OrderType is the kind of order a signal becomes.
// +kubebuilder:validation:Enum=MARKET;LIMIT;LIMIT_MAKER
type OrderType string

// Order types.
const (
	// OrderMarket fills at once at the best prices on the book.
	OrderMarket OrderType = "MARKET"
	// OrderLimit rests at a price limitOffsetBps better than the last
	// price until it fills or cancelAfter passes.
	OrderLimit OrderType = "LIMIT"
	// OrderLimitMaker is a LIMIT order the exchange rejects if it would
	// trade at once, so it only ever adds liquidity (maker fees).
	OrderLimitMaker OrderType = "LIMIT_MAKER"
)

// OrderSpec says what kind of order a signal becomes.
// +kubebuilder:validation:XValidation:rule="!(has(self.type) && self.type == 'LIMIT_MAKER' && (!has(self.limitOffsetBps) || self.limitOffsetBps == 0))",message="limitOffsetBps must be at least 1 for LIMIT_MAKER, so that the order rests on the book",fieldPath=".limitOffsetBps",reason="FieldValueInvalid"
type OrderSpec struct {
	// type is MARKET (the default), LIMIT or LIMIT_MAKER.
	// +kubebuilder:default=MARKET
	// +optional
	Type OrderType `json:"type,omitempty"`

	// limitOffsetBps prices a LIMIT or LIMIT_MAKER order this many basis
	// points (hundredths of a percent) from the last price: below it for a
	// BUY, above it for a SELL. 0 to 1000 (default 0: at the last price);
	// at least 1 for LIMIT_MAKER.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +optional
	LimitOffsetBps int32 `json:"limitOffsetBps,omitempty"`

	// cancelAfter is how long a LIMIT or LIMIT_MAKER order may rest
	// unfilled before the bot cancels it, from 1s to 24h (default "1m").
	// +kubebuilder:default="1m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) >= duration('1s') && duration(self) <= duration('24h')`,message=`cancelAfter must be a duration from 1s to 24h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'cancelAfter must be a duration from 1s to 24h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	CancelAfter *metav1.Duration `json:"cancelAfter,omitempty"`
}

// RateLimitsSpec is this bot's share of the exchange's budgets. The operator
// also enforces the exchange's own per-IP and per-account limits across all
// bots that share an endpoint or an API key.
type RateLimitsSpec struct {
	// requestWeightPerMinute is the request weight this bot may use per
	// minute out of its endpoint's shared budget, 1 to 6000 (default 600).
	// +kubebuilder:default=600
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=6000
	// +optional
	RequestWeightPerMinute int32 `json:"requestWeightPerMinute,omitempty"`

	// ordersPer10s is how many orders this bot may send in any 10 seconds,
	// 1 to 100 (default 10).
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	OrdersPer10s int32 `json:"ordersPer10s,omitempty"`
}

// BatchingSpec controls how this bot's read requests are merged with other
// bots' into one exchange call (for example one price request for many
// symbols).
type BatchingSpec struct {
	// enabled turns batching on (default true).
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// maxBatchSize is the most requests merged into one call, 1 to 100
	// (default 20).
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	MaxBatchSize int32 `json:"maxBatchSize,omitempty"`

	// maxWait is the longest a request waits for others to join its batch,
	// from 0s to 5s (default "50ms").
	// +kubebuilder:default="50ms"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) <= duration('5s')`,message=`maxWait must be a duration from 0s to 5s, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'maxWait must be a duration from 0s to 5s, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	MaxWait *metav1.Duration `json:"maxWait,omitempty"`
}

// CircuitBreakerSpec controls the breaker that stops calls to an exchange
// endpoint after repeated failures.
type CircuitBreakerSpec struct {
	// failureThreshold is the number of consecutive failures that open the
	// breaker, 1 to 100 (default 5).
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	FailureThreshold int32 `json:"failureThreshold,omitempty"`

	// openDuration is how long the breaker stays open before it lets trial
	// requests through, from 1s to 1h (default "30s").
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) >= duration('1s') && duration(self) <= duration('1h')`,message=`openDuration must be a duration from 1s to 1h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'openDuration must be a duration from 1s to 1h, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	OpenDuration *metav1.Duration `json:"openDuration,omitempty"`

	// halfOpenMaxRequests is how many trial requests the half-open breaker
	// lets through, 1 to 100 (default 1).
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	HalfOpenMaxRequests int32 `json:"halfOpenMaxRequests,omitempty"`
}

// RetrySpec controls retries of failed exchange calls: exponential backoff
// from baseDelay up to maxDelay, each delay varied by up to jitter of itself.
// Orders whose outcome is unknown are looked up, never blindly resent.
// +kubebuilder:validation:XValidation:rule=`!has(self.baseDelay) || !has(self.maxDelay) || !(self.baseDelay.size() <= 32 && self.baseDelay.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$')) || !(self.maxDelay.size() <= 32 && self.maxDelay.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$')) || duration(self.baseDelay) <= duration(self.maxDelay)`,message=`baseDelay must not exceed maxDelay`,messageExpression=`'baseDelay (' + self.baseDelay + ') must not exceed maxDelay (' + self.maxDelay + ')'`,fieldPath=".baseDelay",reason="FieldValueInvalid"
type RetrySpec struct {
	// maxAttempts is the number of tries, the first included, 1 to 10
	// (default 4).
	// +kubebuilder:default=4
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	// +optional
	MaxAttempts int32 `json:"maxAttempts,omitempty"`

	// baseDelay is the delay before the first retry, from 1ms to 1m
	// (default "200ms"); it doubles on each further retry.
	// +kubebuilder:default="200ms"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) >= duration('1ms') && duration(self) <= duration('1m')`,message=`baseDelay must be a duration from 1ms to 1m, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'baseDelay must be a duration from 1ms to 1m, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	BaseDelay *metav1.Duration `json:"baseDelay,omitempty"`

	// maxDelay caps the delay between two tries, from 1ms to 10m (default
	// "10s"); at least baseDelay.
	// +kubebuilder:default="10s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.size() <= 32 && self.matches('^(0|([0-9]{1,5}([.][0-9]+)?h|[0-9]{1,6}([.][0-9]+)?m|[0-9]{1,8}([.][0-9]+)?s|[0-9]{1,11}([.][0-9]+)?ms|[0-9]{1,14}([.][0-9]+)?(us|µs)|[0-9]{1,17}([.][0-9]+)?ns)+)$') && duration(self) >= duration('1ms') && duration(self) <= duration('10m')`,message=`maxDelay must be a duration from 1ms to 10m, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns)`,messageExpression=`'maxDelay must be a duration from 1ms to 10m, written like "30s", "1m30s" or "250ms" (units h, m, s, ms, us, ns); got "' + self + '"'`
	// +optional
	MaxDelay *metav1.Duration `json:"maxDelay,omitempty"`

	// jitter is the fraction, from 0 to 1, by which each delay is randomly
	// shortened or lengthened (default "0.2"); "0" turns jitter off.
	// +kubebuilder:default="0.2"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^[0-9]{1,20}([.][0-9]{1,18})?$') || ('00000000000000000000'.substring(self.contains('.') ? self.indexOf('.') : self.size()) + self.replace('.', "") + '000000000000000000').substring(0, 38) <= '00000000000000000001000000000000000000'`,message=`jitter must be at most 1`,messageExpression=`'jitter must be at most 1, not ' + self`
	// +optional
	Jitter NonNegativeDecimal `json:"jitter,omitempty"`
}
