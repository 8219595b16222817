package v1alpha1

// Condition types set in status.conditions of TradingBot and SymbolWatch.
// They are untyped string constants so they fit metav1.Condition.Type and
// the k8s.io/apimachinery/pkg/api/meta condition helpers without conversion.
// Unless a comment says otherwise, a condition applies to both kinds.
const (
	// ConditionReady is True when the resource's goroutine group runs and
	// no other condition reports a problem. It summarizes the others.
	ConditionReady = "Ready"
	// ConditionExchangeReachable is True when the exchange endpoint answered
	// recently and the operator's IP is not banned.
	ConditionExchangeReachable = "ExchangeReachable"
	// ConditionMarketDataFresh is True when every subscribed stream has
	// delivered an event within its staleness limit.
	ConditionMarketDataFresh = "MarketDataFresh"
	// ConditionRateLimited is True while requests wait for rate budget or the
	// exchange asked the operator to back off (HTTP 429 or 418).
	ConditionRateLimited = "RateLimited"
	// ConditionCircuitOpen is True while the exchange endpoint's circuit
	// breaker is open or half-open.
	ConditionCircuitOpen = "CircuitOpen"
	// ConditionRiskHalted is True when a risk limit halted the bot; it stays
	// True until a person resumes the bot. TradingBot only.
	ConditionRiskHalted = "RiskHalted"
	// ConditionRecording is True when points are being written to InfluxDB
	// without loss.
	ConditionRecording = "Recording"
	// ConditionCredentialsResolved is True when the credentials Secret and
	// both of its keys were found. TradingBot only.
	ConditionCredentialsResolved = "CredentialsResolved"
	// ConditionLiveTradingAllowed is True when a Live bot may place real
	// orders: the operator was started with --allow-live-trading.
	// TradingBot only.
	ConditionLiveTradingAllowed = "LiveTradingAllowed"
	// ConditionSymbolsValid is True when the exchange lists every symbol in
	// spec.symbols as trading.
	ConditionSymbolsValid = "SymbolsValid"
)

// Condition reasons: CamelCase words giving the cause of a condition's
// status. The comment of each says the condition and status it goes with.
const (
	// ReasonRunning (Ready=True): the group runs and all is well.
	ReasonRunning = "Running"
	// ReasonStarting (Ready=False): the group is starting.
	ReasonStarting = "Starting"
	// ReasonDegraded (Ready=False): the group runs but another condition
	// reports a problem; the message names it.
	ReasonDegraded = "Degraded"
	// ReasonSuspended (Ready=False): spec.suspend is true.
	ReasonSuspended = "Suspended"
	// ReasonInvalidSpec (Ready=False): the spec passed the schema but cannot
	// be run; the message says why.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonTaskRestarting (Ready=False): a task failed or panicked and waits
	// to be restarted.
	ReasonTaskRestarting = "TaskRestarting"

	// ReasonReachable (ExchangeReachable=True): the endpoint answers.
	ReasonReachable = "Reachable"
	// ReasonUnreachable (ExchangeReachable=False): calls fail or time out.
	ReasonUnreachable = "Unreachable"
	// ReasonIPBanned (ExchangeReachable=False, RateLimited=True): the
	// exchange banned the operator's IP (HTTP 418) until a given time.
	ReasonIPBanned = "IPBanned"

	// ReasonStreamsFresh (MarketDataFresh=True): all streams deliver.
	ReasonStreamsFresh = "StreamsFresh"
	// ReasonStreamsStale (MarketDataFresh=False): a stream has been silent
	// past its limit.
	ReasonStreamsStale = "StreamsStale"
	// ReasonStreamsConnecting (MarketDataFresh=False): streams are still
	// connecting or reconnecting.
	ReasonStreamsConnecting = "StreamsConnecting"

	// ReasonWithinBudget (RateLimited=False): requests go out without
	// waiting.
	ReasonWithinBudget = "WithinBudget"
	// ReasonThrottled (RateLimited=True): requests wait for the bot's or the
	// endpoint's budget.
	ReasonThrottled = "Throttled"
	// ReasonRetryAfter (RateLimited=True): the exchange answered HTTP 429;
	// nothing is sent until its Retry-After passes.
	ReasonRetryAfter = "RetryAfter"

	// ReasonBreakerClosed (CircuitOpen=False): calls flow.
	ReasonBreakerClosed = "BreakerClosed"
	// ReasonBreakerOpen (CircuitOpen=True): repeated failures opened the
	// breaker; calls are refused until it half-opens.
	ReasonBreakerOpen = "BreakerOpen"
	// ReasonBreakerHalfOpen (CircuitOpen=True): trial calls decide whether
	// the breaker closes.
	ReasonBreakerHalfOpen = "BreakerHalfOpen"

	// ReasonWithinLimits (RiskHalted=False): no risk limit is breached.
	ReasonWithinLimits = "WithinLimits"
	// ReasonDailyLossLimit (RiskHalted=True): the day's loss reached
	// spec.risk.maxDailyLossQuote.
	ReasonDailyLossLimit = "DailyLossLimit"
	// ReasonRiskLimitBreached (RiskHalted=True): another risk limit was
	// breached; the message names it.
	ReasonRiskLimitBreached = "RiskLimitBreached"

	// ReasonRecordingHealthy (Recording=True): writes succeed.
	ReasonRecordingHealthy = "RecordingHealthy"
	// ReasonRecordingDisabled (Recording=False): spec.recording.enabled is
	// false or the operator has no InfluxDB configured.
	ReasonRecordingDisabled = "RecordingDisabled"
	// ReasonWriteFailing (Recording=False): writes fail and are retried.
	ReasonWriteFailing = "WriteFailing"
	// ReasonPointsDropped (Recording=False): points were given up.
	ReasonPointsDropped = "PointsDropped"
	// ReasonSpoolFilling (Recording=False): the operator's spool directory
	// is above 80% of its bound; when full, its oldest points are dropped.
	ReasonSpoolFilling = "SpoolFilling"

	// ReasonSecretResolved (CredentialsResolved=True): both keys were read.
	ReasonSecretResolved = "SecretResolved"
	// ReasonSecretNotFound (CredentialsResolved=False): the Secret does not
	// exist.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonSecretKeyMissing (CredentialsResolved=False): the Secret lacks
	// the API-key or secret key named in the spec.
	ReasonSecretKeyMissing = "SecretKeyMissing"
	// ReasonNoCredentials (CredentialsResolved=True): the bot names no
	// Secret and needs none (Paper mode).
	ReasonNoCredentials = "NoCredentials"

	// ReasonPaperMode (LiveTradingAllowed=False): the bot is in Paper mode,
	// which needs no permission.
	ReasonPaperMode = "PaperMode"
	// ReasonLiveTradingEnabled (LiveTradingAllowed=True): the operator runs
	// with --allow-live-trading.
	ReasonLiveTradingEnabled = "LiveTradingEnabled"
	// ReasonLiveTradingDisabled (LiveTradingAllowed=False): a Live bot, but
	// the operator runs without --allow-live-trading; the bot does not trade.
	ReasonLiveTradingDisabled = "LiveTradingDisabled"

	// ReasonSymbolsListed (SymbolsValid=True): every symbol trades.
	ReasonSymbolsListed = "SymbolsListed"
	// ReasonUnknownSymbols (SymbolsValid=False): some symbols are not listed
	// or not trading; status.exchange.unknownSymbols names them.
	ReasonUnknownSymbols = "UnknownSymbols"
	// ReasonExchangeInfoUnavailable (SymbolsValid=Unknown): the symbol list
	// could not be fetched yet.
	ReasonExchangeInfoUnavailable = "ExchangeInfoUnavailable"
)
