package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// TradingMode says whether a bot's orders can touch real money.
// +kubebuilder:validation:Enum=Paper;Live
type TradingMode string

// Trading modes.
const (
	// ModePaper sends orders only to the simulator or a test network.
	ModePaper TradingMode = "Paper"
	// ModeLive trades for real. It needs spec.exchange.credentialsSecretRef
	// and an operator started with --allow-live-trading.
	ModeLive TradingMode = "Live"
)

// BotPhase is a one-word summary of a TradingBot's state; the conditions
// carry the detail.
// +kubebuilder:validation:Enum=Pending;Running;Degraded;Halted;Suspended;Failed
type BotPhase string

// TradingBot phases.
const (
	// BotPhasePending: accepted, the goroutine group is starting.
	BotPhasePending BotPhase = "Pending"
	// BotPhaseRunning: every task is running and the exchange is reachable.
	BotPhaseRunning BotPhase = "Running"
	// BotPhaseDegraded: running, but something is wrong (breaker open, rate
	// limited, stale market data, recording failing, a task restarting).
	BotPhaseDegraded BotPhase = "Degraded"
	// BotPhaseHalted: a risk limit was breached; no orders until a person
	// resumes the bot.
	BotPhaseHalted BotPhase = "Halted"
	// BotPhaseSuspended: spec.suspend is true; the group is stopped.
	BotPhaseSuspended BotPhase = "Suspended"
	// BotPhaseFailed: the bot cannot run as specified (for example Live mode
	// refused, or credentials missing) until the spec or cluster changes.
	BotPhaseFailed BotPhase = "Failed"
)

// TradingBotSpec is the desired state of a TradingBot: a strategy trading
// some symbols on one exchange, within risk and rate limits.
// +kubebuilder:validation:XValidation:rule="self.mode != 'Live' || has(self.exchange.credentialsSecretRef)",message="credentialsSecretRef is required when mode is Live",fieldPath=".exchange.credentialsSecretRef",reason="FieldValueRequired"
// A Live bot signs orders with real keys: a Custom endpoint must then be
// reached over TLS, for REST and for streams alike.
// +kubebuilder:validation:XValidation:rule=`!has(self.mode) || self.mode != 'Live' || !has(self.exchange.endpoint) || self.exchange.endpoint != 'Custom' || !has(self.exchange.url) || !isURL(self.exchange.url) || url(self.exchange.url).getScheme() == 'https'`,message=`url must use https, not plain http, when mode is Live: orders and keys must not cross the network in clear text`,fieldPath=".exchange.url",reason="FieldValueInvalid"
// +kubebuilder:validation:XValidation:rule=`!has(self.mode) || self.mode != 'Live' || !has(self.exchange.endpoint) || self.exchange.endpoint != 'Custom' || !has(self.exchange.streamURL) || !isURL(self.exchange.streamURL) || url(self.exchange.streamURL).getScheme() == 'wss'`,message=`streamURL must use wss, not plain ws, when mode is Live: a Live bot must trade on market data nobody could alter on the way`,fieldPath=".exchange.streamURL",reason="FieldValueInvalid"
type TradingBotSpec struct {
	// suspend stops the bot's goroutines while true; open orders are left
	// as they are. Default false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// mode is Paper (the default: orders never touch real money) or Live.
	// Live requires exchange.credentialsSecretRef and an operator started
	// with --allow-live-trading.
	// +kubebuilder:default=Paper
	// +optional
	Mode TradingMode `json:"mode,omitempty"`

	// exchange says where to trade and with which credentials. Every field
	// has a default, so leaving it out (or "exchange: {}") trades on the
	// simulator.
	// +kubebuilder:default={}
	// +optional
	Exchange ExchangeSpec `json:"exchange,omitempty"`

	// symbols are the exchange symbols to trade, such as BTCUSDT: 1 to 50
	// distinct, each 2 to 20 capital letters or digits.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MinLength=2
	// +kubebuilder:validation:items:MaxLength=20
	// +kubebuilder:validation:items:XValidation:rule=`self.matches('^[A-Z0-9]{2,20}$')`,message=`a symbol is 2 to 20 capital letters or digits, as the exchange spells it, such as "BTCUSDT"`,messageExpression=`'a symbol is 2 to 20 capital letters or digits, as the exchange spells it, such as "BTCUSDT"; got "' + self + '"'`
	// +required
	Symbols []string `json:"symbols"`

	// strategy turns market data into BUY and SELL signals.
	// +required
	Strategy StrategySpec `json:"strategy"`

	// risk holds the limits checked before every order.
	// +kubebuilder:default={}
	// +optional
	Risk RiskSpec `json:"risk,omitempty"`

	// orders says what kind of order a signal becomes.
	// +kubebuilder:default={}
	// +optional
	Orders OrderSpec `json:"orders,omitempty"`

	// rateLimits is this bot's share of the exchange's rate budgets.
	// +optional
	RateLimits RateLimitsSpec `json:"rateLimits,omitempty"`

	// batching controls merging this bot's read requests with other bots'.
	// +optional
	Batching BatchingSpec `json:"batching,omitempty"`

	// circuitBreaker controls the breaker in front of the exchange.
	// +optional
	CircuitBreaker CircuitBreakerSpec `json:"circuitBreaker,omitempty"`

	// retry controls retries of failed exchange calls.
	// +optional
	Retry RetrySpec `json:"retry,omitempty"`

	// recording controls what is written to InfluxDB.
	// +optional
	Recording RecordingSpec `json:"recording,omitempty"`
}

// TradingBotStatus is the observed state of a TradingBot, written by the
// operator from the bot's running goroutine group.
type TradingBotStatus struct {
	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase summarizes the bot's state: Pending, Running, Degraded, Halted,
	// Suspended or Failed.
	// +optional
	Phase BotPhase `json:"phase,omitempty"`

	// replica is the operator replica that runs this resource, when the
	// operator runs with --sharding; empty while no replica claims it. A
	// replica starts a resource only after writing its name here over an
	// empty value, its own, or that of a replica whose Lease has expired,
	// and clears it once the resource has stopped there.
	// +optional
	Replica string `json:"replica,omitempty"`

	// conditions are the detailed state: Ready, plus ExchangeReachable,
	// MarketDataFresh, RateLimited, CircuitOpen, RiskHalted, Recording,
	// CredentialsResolved, LiveTradingAllowed and SymbolsValid.
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// exchange reports the exchange endpoint: breaker, rate limits, clock.
	// +optional
	Exchange *ExchangeStatus `json:"exchange,omitempty"`

	// marketData reports the health of the bot's market streams.
	// +optional
	MarketData *MarketDataStatus `json:"marketData,omitempty"`

	// signals summarizes the signals produced.
	// +optional
	Signals *SignalsStatus `json:"signals,omitempty"`

	// trading reports orders, positions and profit and loss.
	// +optional
	Trading *TradingStatus `json:"trading,omitempty"`

	// recording reports the InfluxDB writes.
	// +optional
	Recording *RecordingStatus `json:"recording,omitempty"`

	// tasks lists the bot's goroutine-group tasks.
	// +listType=map
	// +listMapKey=name
	// +optional
	Tasks []TaskStatus `json:"tasks,omitempty"`
}

// TradingStatus reports a bot's orders, positions and profit and loss, in
// the quote asset.
type TradingStatus struct {
	// The order counts are the UTC day's: they start again at 00:00 UTC.
	// After an operator restart, placed, filled and canceled orders are
	// counted again from the exchange's record of the day; rejected and
	// skipped ones (which leave no record there) from the restart on.

	// ordersPlaced is how many orders the exchange accepted.
	// +optional
	OrdersPlaced int64 `json:"ordersPlaced,omitempty"`

	// ordersFilled is how many orders were filled completely.
	// +optional
	OrdersFilled int64 `json:"ordersFilled,omitempty"`

	// ordersRejected is how many orders were refused, by the risk checks or
	// by the exchange.
	// +optional
	OrdersRejected int64 `json:"ordersRejected,omitempty"`

	// ordersSkipped is how many accepted signals gave no order because it
	// could not meet the symbol's filters or the balance (too small, no
	// position to sell): never sent.
	// +optional
	OrdersSkipped int64 `json:"ordersSkipped,omitempty"`

	// ordersCanceled is how many LIMIT orders were canceled unfilled after
	// spec.orders.cancelAfter.
	// +optional
	OrdersCanceled int64 `json:"ordersCanceled,omitempty"`

	// openOrders is how many of the bot's orders rest on the book now.
	// +optional
	OpenOrders int32 `json:"openOrders,omitempty"`

	// fees is the commission paid, converted to the quote asset, a decimal
	// string.
	// +optional
	Fees string `json:"fees,omitempty"`

	// dailyPnL is realized plus unrealized profit and loss since 00:00 UTC,
	// fees included: what risk.maxDailyLossQuote is checked against.
	// +optional
	DailyPnL string `json:"dailyPnL,omitempty"`

	// haltedAt is when the daily loss limit halted the bot; empty while it
	// trades. See the RiskHalted condition for how to resume.
	// +optional
	HaltedAt *metav1.Time `json:"haltedAt,omitempty"`

	// resumedWith is the value of the trading.tradebot.dev/resume
	// annotation the bot last acted on: setting the annotation to a new
	// value resumes a halted bot.
	// +optional
	ResumedWith string `json:"resumedWith,omitempty"`

	// lastOrder is the bot's latest order.
	// +optional
	LastOrder *OrderSummary `json:"lastOrder,omitempty"`

	// positions lists the open position of each symbol.
	// +listType=map
	// +listMapKey=symbol
	// +optional
	Positions []PositionStatus `json:"positions,omitempty"`

	// realizedPnL is the profit or loss of closed trades, a decimal string.
	// +optional
	RealizedPnL string `json:"realizedPnL,omitempty"`

	// unrealizedPnL is the profit or loss of open positions at the last
	// price, a decimal string.
	// +optional
	UnrealizedPnL string `json:"unrealizedPnL,omitempty"`

	// pnl is realizedPnL plus unrealizedPnL, for display.
	// +optional
	PnL string `json:"pnl,omitempty"`

	// openings are the bot's books per symbol at the start of the current
	// UTC day. After an operator restart the bot rebuilds its positions
	// from them and the trades since, read from the exchange, so entry
	// prices and lifetime realized PnL and fees carry over; without them
	// (or when they are more than 7 days old) a position is valued at the
	// day-start price and lifetime figures start again from the day's
	// trades. Written by the operator; not meant to be edited.
	// +listType=map
	// +listMapKey=symbol
	// +optional
	Openings []PositionOpening `json:"openings,omitempty"`
}

// PositionOpening is one symbol's books at the start of a UTC day. Money
// figures are decimal strings in the quote asset.
type PositionOpening struct {
	// symbol is the market.
	// +required
	Symbol string `json:"symbol"`

	// day is the 00:00 UTC the figures describe.
	// +required
	Day metav1.Time `json:"day"`

	// quantity is the base quantity held then, and costBasis what it cost.
	// +optional
	Quantity string `json:"quantity,omitempty"`
	// +optional
	CostBasis string `json:"costBasis,omitempty"`

	// realizedPnL and fees are the lifetime figures up to day.
	// +optional
	RealizedPnL string `json:"realizedPnL,omitempty"`
	// +optional
	Fees string `json:"fees,omitempty"`

	// oversold is the quantity sold beyond what the books held (a flag
	// for a person: some holding was not known to the bot).
	// +optional
	Oversold string `json:"oversold,omitempty"`

	// dayStartPrice is the open of the day's first one-minute kline.
	// +optional
	DayStartPrice string `json:"dayStartPrice,omitempty"`

	// lastTradeId is the highest trade id counted in these figures.
	// +optional
	LastTradeID int64 `json:"lastTradeId,omitempty"`

	// entryEstimated is true when the cost was not known and the quantity
	// was valued at a day-start price.
	// +optional
	EntryEstimated bool `json:"entryEstimated,omitempty"`

	// pendingFees are fees of earlier days, paid in a third asset, not yet
	// converted to the quote asset.
	// +listType=atomic
	// +optional
	PendingFees []PendingFeeStatus `json:"pendingFees,omitempty"`
}

// PendingFeeStatus is a fee waiting for a price in the quote asset.
type PendingFeeStatus struct {
	// tradeId is the trade that paid it.
	// +required
	TradeID int64 `json:"tradeId"`
	// asset and amount are the fee as charged.
	// +required
	Asset string `json:"asset"`
	// +required
	Amount string `json:"amount"`
	// time is when the trade happened.
	// +required
	Time metav1.Time `json:"time"`
}

// PositionStatus is the open position in one symbol.
type PositionStatus struct {
	// symbol is the symbol held.
	// +required
	Symbol string `json:"symbol"`

	// quantity is the base-asset quantity held, a decimal string.
	// +optional
	Quantity string `json:"quantity,omitempty"`

	// averageEntryPrice is the quantity-weighted entry price, a decimal
	// string.
	// +optional
	AverageEntryPrice string `json:"averageEntryPrice,omitempty"`

	// realizedPnL is the profit or loss of what was sold, fees included.
	// +optional
	RealizedPnL string `json:"realizedPnL,omitempty"`

	// unrealizedPnL is the position valued at the last price, less its cost.
	// +optional
	UnrealizedPnL string `json:"unrealizedPnL,omitempty"`
}

// OrderSummary is one order as status shows it.
type OrderSummary struct {
	// clientOrderId is the id the bot gave the order, fixed before it was
	// first sent.
	// +required
	ClientOrderID string `json:"clientOrderId"`

	// symbol, side (BUY or SELL) and type (MARKET, LIMIT, LIMIT_MAKER).
	// +required
	Symbol string `json:"symbol"`
	// +required
	Side string `json:"side"`
	// +optional
	Type string `json:"type,omitempty"`

	// status is the exchange's order status (NEW, PARTIALLY_FILLED, FILLED,
	// CANCELED, REJECTED, EXPIRED), or UNKNOWN while a lost answer is being
	// looked up.
	// +optional
	Status string `json:"status,omitempty"`

	// quantity is the base quantity ordered and executedQuantity what
	// filled, decimal strings; price is the limit price (empty for MARKET).
	// +optional
	Quantity string `json:"quantity,omitempty"`
	// +optional
	ExecutedQuantity string `json:"executedQuantity,omitempty"`
	// +optional
	Price string `json:"price,omitempty"`

	// time is when the order was sent.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
}

// TradingBot runs one trading strategy on some symbols of an exchange, as a
// supervised goroutine group inside the operator.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=tb,categories=trading
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`,description="Paper or Live"
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`,description="Summary of the bot's state"
// +kubebuilder:printcolumn:name="Breaker",type=string,JSONPath=`.status.exchange.breaker.state`,description="Circuit breaker state"
// +kubebuilder:printcolumn:name="Weight",type=string,JSONPath=`.status.exchange.rateLimit.weight`,description="Request weight used/limit this minute"
// +kubebuilder:printcolumn:name="Signals",type=string,JSONPath=`.status.signals.summary`,description="Signals produced, and the latest"
// +kubebuilder:printcolumn:name="PnL",type=string,JSONPath=`.status.trading.pnl`,description="Realized plus unrealized profit and loss"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Replica",type=string,JSONPath=`.status.replica`,description="Operator replica that runs the bot (with --sharding)",priority=1
type TradingBot struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired bot.
	// +required
	Spec TradingBotSpec `json:"spec"`

	// status is the observed state of the bot.
	// +optional
	Status TradingBotStatus `json:"status,omitempty"`
}

// TradingBotList is a list of TradingBots.
// +kubebuilder:object:root=true
type TradingBotList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the TradingBots.
	Items []TradingBot `json:"items"`
}
