package main

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/statetimeline"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// The dashboard's identity: Grafana keeps one dashboard per uid.
const (
	dashboardUID   = "tradebot-operator"
	dashboardTitle = "tradebot-operator"
)

// datasource is the Prometheus the dashboard asks, chosen by the
// $datasource variable.
func datasource() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
}

// query is one PromQL target.
func query(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(datasource()).Expr(expr).LegendFormat(legend).Range()
}

// series is a time-series panel of the given queries.
func series(id uint32, title, description, unit string, queries ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Id(id).Title(title).Description(description).Datasource(datasource()).
		Unit(unit).Span(12).Height(8).FillOpacity(10).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom))
	for _, q := range queries {
		p.WithTarget(q)
	}
	return p
}

// breakerStates maps the breaker gauge to its state's name and colour.
func breakerStates() []dashboard.ValueMapping {
	state := func(text, color string, index int32) dashboard.ValueMappingResult {
		return dashboard.ValueMappingResult{Text: cog.ToPtr(text), Color: cog.ToPtr(color), Index: cog.ToPtr(index)}
	}
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
		Type: dashboard.MappingTypeValueToText,
		Options: map[string]dashboard.ValueMappingResult{
			"0": state("Closed", "green", 0),
			"1": state("Half-open", "yellow", 1),
			"2": state("Open", "red", 2),
		},
	}}}
}

// buildDashboard builds the operator's dashboard: the exchange layer, the
// market-data streams, recording, and the bots' signals, orders and PnL.
//
//nolint:staticcheck // the chart ships the v1 dashboard JSON model on purpose
func buildDashboard() (dashboard.Dashboard, error) {
	const rate = "[$__rate_interval]"
	bot := `{bot=~"$bot"}`
	// Panels and rows are numbered in order, so every id is unique.
	var id uint32
	next := func() uint32 { id++; return id }
	b := dashboard.NewDashboardBuilder(dashboardTitle).
		Uid(dashboardUID).
		Description("The tradebot-operator's exchange weight, throttling, circuit breakers, market-data streams, recording, and each bot's signals, orders and PnL.").
		Tags([]string{"tradebot-operator", "trading", "kubernetes"}).
		Refresh("30s").
		Time("now-3h", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus")).
		WithVariable(dashboard.NewQueryVariableBuilder("bot").Label("Bot").
			Datasource(datasource()).
			Query(dashboard.StringOrMap{String: cog.ToPtr("label_values(tradebot_orders_total, bot)")}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).IncludeAll(true).AllValue(".*"))

	b.WithRow(dashboard.NewRowBuilder("Exchange").Id(next()))
	b.WithPanel(series(next(), "Request weight used vs limit",
		"Request weight used in the current minute on each endpoint, against the exchange's limit (exchangeInfo).", "none",
		query(`max by (endpoint) (tradebot_exchange_weight_used)`, "{{endpoint}} used"),
		query(`max by (endpoint) (tradebot_exchange_weight_limit)`, "{{endpoint}} limit")))
	b.WithPanel(series(next(), "429 and 418 responses",
		"Rate-limited (429) and banned (418) answers from the exchange. Any 418 means the IP is banned for a while.", "short",
		query(`sum by (endpoint, status) (increase(tradebot_exchange_throttled_total`+rate+`))`, "{{endpoint}} {{status}}")))
	b.WithPanel(statetimeline.NewPanelBuilder().Id(next()).Title("Circuit breakers").
		Description("Each circuit breaker's state, per endpoint and account (empty account: the endpoint's own breakers).").
		Datasource(datasource()).Span(24).Height(8).Mappings(breakerStates()).
		ShowValue(common.VisibilityModeNever).
		WithTarget(query(`max by (endpoint, account, settings) (tradebot_exchange_breaker_state)`, "{{endpoint}} {{account}} {{settings}}")))
	b.WithPanel(series(next(), "Requests by outcome",
		"Requests sent to the exchange per second, by endpoint and outcome class.", "reqps",
		query(`sum by (endpoint, class) (rate(tradebot_exchange_requests_total`+rate+`))`, "{{endpoint}} {{class}}")))
	b.WithPanel(series(next(), "Time waiting for weight",
		"Share of time calls spent waiting for the endpoint's own weight budget (so that the exchange never answers 429).", "s",
		query(`sum by (endpoint) (rate(tradebot_exchange_weight_wait_seconds_total`+rate+`))`, "{{endpoint}}")))

	b.WithRow(dashboard.NewRowBuilder("Market data").Id(next()))
	b.WithPanel(series(next(), "Streams",
		"Distinct streams, open connections and stale streams on each stream endpoint.", "short",
		query(`sum by (url) (tradebot_marketdata_streams)`, "{{url}} streams"),
		query(`sum by (url) (tradebot_marketdata_connections)`, "{{url}} connections"),
		query(`sum by (url) (tradebot_marketdata_stale_streams)`, "{{url}} stale")))
	b.WithPanel(series(next(), "Stream lag",
		"Delay between the exchange's event time and its arrival, for the latest event.", "s",
		query(`max by (url) (tradebot_marketdata_lag_seconds)`, "{{url}}")))
	b.WithPanel(series(next(), "Reconnects and gaps",
		"Connections lost and dialled again, stale connections redialled, and gaps delivered to subscribers.", "short",
		query(`sum by (url) (increase(tradebot_marketdata_reconnects_total`+rate+`))`, "{{url}} reconnects"),
		query(`sum by (url) (increase(tradebot_marketdata_stale_redials_total`+rate+`))`, "{{url}} stale redials"),
		query(`sum by (url, reason) (increase(tradebot_marketdata_gaps_total`+rate+`))`, "{{url}} gaps {{reason}}")))
	b.WithPanel(series(next(), "Stream messages",
		"Stream messages read per second, and events dropped because a subscriber's queue was full.", "short",
		query(`sum by (url) (rate(tradebot_marketdata_messages_total`+rate+`))`, "{{url}} messages/s"),
		query(`sum by (url) (rate(tradebot_marketdata_dropped_total`+rate+`))`, "{{url}} dropped/s")))

	b.WithRow(dashboard.NewRowBuilder("Recording").Id(next()))
	b.WithPanel(series(next(), "Points written",
		"Points InfluxDB acknowledged per second, by resource.", "short",
		query(`sum by (namespace, name) (rate(tradebot_recording_points_written_total`+rate+`))`, "{{namespace}}/{{name}}")))
	b.WithPanel(series(next(), "Points pending",
		"Points buffered for InfluxDB, in flight included, by resource; and the shared buffer against its bound.", "short",
		query(`sum by (namespace, name) (tradebot_recording_points_pending)`, "{{namespace}}/{{name}}"),
		query(`sum by (influxdb) (tradebot_recording_buffer_points)`, "buffer {{influxdb}}"),
		query(`max by (influxdb) (tradebot_recording_buffer_max_points)`, "buffer bound {{influxdb}}")))
	b.WithPanel(series(next(), "Points dropped",
		"Points given up, by reason (overflow, rejected, invalid, undelivered, disabled, spool_full).", "short",
		query(`sum by (namespace, name, reason) (increase(tradebot_recording_points_dropped_total`+rate+`))`, "{{namespace}}/{{name}} {{reason}}")))
	b.WithPanel(series(next(), "InfluxDB writes",
		"Write requests by result, and whether writes are failing and being retried.", "short",
		query(`sum by (influxdb, result) (rate(tradebot_recording_write_requests_total`+rate+`))`, "{{influxdb}} {{result}}"),
		query(`max by (influxdb) (tradebot_recording_failing)`, "{{influxdb}} failing")))
	b.WithPanel(series(next(), "Spool",
		"The write-ahead spool: its bytes against the bound (full: the oldest points are dropped, reason spool_full), segment files, and points waiting for the next group commit (what a crash now would lose).", "bytes",
		query(`sum by (influxdb) (tradebot_recording_spool_bytes)`, "{{influxdb}} bytes"),
		query(`max by (influxdb) (tradebot_recording_spool_max_bytes)`, "{{influxdb}} bound")))
	b.WithPanel(series(next(), "Spool commits and replays",
		"Group commits by result, points replayed at start, damaged segments set aside, and whether the last stop was unclean.", "short",
		query(`sum by (influxdb, result) (rate(tradebot_recording_spool_commits_total`+rate+`))`, "{{influxdb}} commits {{result}}"),
		query(`sum by (influxdb) (tradebot_recording_spool_segments)`, "{{influxdb}} segments"),
		query(`sum by (influxdb) (tradebot_recording_points_uncommitted)`, "{{influxdb}} uncommitted"),
		query(`max by (influxdb) (tradebot_recording_spool_replayed_points_total)`, "{{influxdb}} replayed"),
		query(`max by (influxdb) (tradebot_recording_spool_bad_segments_total)`, "{{influxdb}} bad segments"),
		query(`max by (influxdb) (tradebot_recording_spool_unclean_start)`, "{{influxdb}} unclean start")))

	b.WithRow(dashboard.NewRowBuilder("Bots").Id(next()))
	b.WithPanel(series(next(), "Signals",
		"Signals reported, by resource and side.", "short",
		query(`sum by (namespace, kind, name, side) (increase(tradebot_signals_total`+rate+`))`, "{{kind}} {{namespace}}/{{name}} {{side}}")))
	b.WithPanel(series(next(), "Orders",
		"Orders by bot and result (placed, filled, rejected, canceled, skipped_*, risk_*).", "short",
		query(`sum by (bot, result) (increase(tradebot_orders_total`+bot+rate+`))`, "{{bot}} {{result}}")))
	b.WithPanel(series(next(), "PnL",
		"Profit and loss in the quote asset, by bot: realized, unrealized, fees and the day's.", "none",
		query(`sum by (bot, kind) (tradebot_pnl_quote`+bot+`)`, "{{bot}} {{kind}}")))
	b.WithPanel(series(next(), "Risk halted",
		"1 while a risk limit halts the bot (its RiskHalted condition).", "none",
		query(`max by (bot) (tradebot_risk_halted`+bot+`)`, "{{bot}}")).Min(0).Max(1))
	b.WithPanel(series(next(), "Signal to order acknowledged",
		"From a signal reaching a bot's executor to its order acknowledged by the exchange, over every bot.", "s",
		query(`histogram_quantile(0.99, sum by (le) (rate(tradebot_signal_to_ack_seconds_bucket`+rate+`)))`, "p99"),
		query(`histogram_quantile(0.5, sum by (le) (rate(tradebot_signal_to_ack_seconds_bucket`+rate+`)))`, "p50")))
	b.WithPanel(series(next(), "Signal latency",
		"From the hub reading a kline's closing message to its signal stored, over every resource.", "s",
		query(`histogram_quantile(0.99, sum by (le) (rate(tradebot_signal_latency_seconds_bucket`+rate+`)))`, "p99")))
	b.WithPanel(series(next(), "Kubernetes Events",
		"Events the operator sent and dropped, by type: past --event-qps and --event-burst they are dropped (and logged at debug level), never queued in front of status writes.", "short",
		query(`sum by (type) (increase(tradebot_events_emitted_total`+rate+`))`, "sent {{type}}"),
		query(`sum by (type) (increase(tradebot_events_dropped_total`+rate+`))`, "dropped {{type}}")))

	return b.Build()
}
