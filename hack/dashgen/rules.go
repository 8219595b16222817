package main

// ruleFile is the spec of a Prometheus Operator PrometheusRule (and the
// format of a Prometheus rule file).
type ruleFile struct {
	Groups []ruleGroup `json:"groups"`
}

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ruleGroups are the operator's alerts. Each expression reads metrics the
// operator registers (cmd's tests check the names and labels).
func ruleGroups() ruleFile {
	warning := map[string]string{"severity": "warning"}
	critical := map[string]string{"severity": "critical"}
	return ruleFile{Groups: []ruleGroup{{
		Name: "tradebot-operator",
		Rules: []rule{
			{
				Alert: "TradebotBreakerOpen",
				// 2 is open; half-open (1) is the breaker trying again.
				Expr:   `max by (endpoint, account, settings) (tradebot_exchange_breaker_state) == 2`,
				For:    "5m",
				Labels: warning,
				Annotations: map[string]string{
					"summary": "A circuit breaker has been open for 5 minutes.",
					"description": `The {{ $labels.settings }} breaker of {{ $labels.endpoint }}` +
						`{{ if $labels.account }} (account {{ $labels.account }}){{ end }} is open: calls through it fail at once.`,
				},
			},
			{
				Alert: "TradebotIPBanned",
				Expr: `max by (endpoint) (tradebot_exchange_banned_until_seconds) > time()` +
					` or sum by (endpoint) (increase(tradebot_exchange_throttled_total{status="418"}[5m])) > 0`,
				Labels: critical,
				Annotations: map[string]string{
					"summary":     "The exchange banned the operator's IP (HTTP 418).",
					"description": `{{ $labels.endpoint }} answered 418: no request goes there until the ban ends.`,
				},
			},
			{
				Alert: "TradebotRecordingDropping",
				// disabled: the resource records nothing by choice.
				Expr:   `sum by (namespace, name, reason) (increase(tradebot_recording_points_dropped_total{reason!="disabled"}[10m])) > 0`,
				For:    "5m",
				Labels: warning,
				Annotations: map[string]string{
					"summary":     "Recording to InfluxDB is dropping points.",
					"description": `{{ $labels.namespace }}/{{ $labels.name }} dropped points ({{ $labels.reason }}) in the last 10 minutes.`,
				},
			},
			{
				Alert: "TradebotRecordingSpoolFilling",
				// Above 80% the Recording condition says SpoolFilling too;
				// at 100% the oldest points are dropped (spool_full).
				Expr:   `max by (influxdb) (tradebot_recording_spool_bytes / tradebot_recording_spool_max_bytes) > 0.8`,
				For:    "5m",
				Labels: warning,
				Annotations: map[string]string{
					"summary":     "The recording spool is filling up.",
					"description": `The spool for {{ $labels.influxdb }} is {{ $value | humanizePercentage }} full: InfluxDB is not keeping up or unreachable; when full, the oldest points are dropped.`,
				},
			},
			{
				Alert:  "TradebotRiskHalted",
				Expr:   `max by (bot) (tradebot_risk_halted) == 1`,
				Labels: warning,
				Annotations: map[string]string{
					"summary":     "A risk limit halted a TradingBot.",
					"description": `{{ $labels.bot }} places no new orders until resumed (see its RiskHalted condition).`,
				},
			},
			{
				Alert:  "TradebotMarketDataStale",
				Expr:   `max by (url) (tradebot_marketdata_stale_streams) > 0`,
				For:    "2m",
				Labels: warning,
				Annotations: map[string]string{
					"summary":     "Market-data streams are stale.",
					"description": `{{ $value }} streams on {{ $labels.url }} have been silent past the staleness limit.`,
				},
			},
		},
	}}}
}
