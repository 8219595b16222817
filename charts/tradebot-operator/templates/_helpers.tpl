{{/* The chart's name, or nameOverride. */}}
{{- define "tradebot-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name, used for every object: the release name when it
already contains the chart's name, otherwise "<release>-<chart>".
*/}}
{{- define "tradebot-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "tradebot-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tradebot-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tradebot-operator
{{- end }}

{{/* Labels that select the operator's pods; never change them after install. */}}
{{- define "tradebot-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tradebot-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "tradebot-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tradebot-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The exchange simulator's name (Deployment and Service). */}}
{{- define "tradebot-operator.simulatorName" -}}
{{- printf "%s-exchange-sim" (include "tradebot-operator.fullname" . | trunc 50 | trimSuffix "-") }}
{{- end }}

{{/* Labels on the simulator's objects. */}}
{{- define "tradebot-operator.simulatorLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tradebot-operator.simulatorSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tradebot-operator
{{- end }}

{{/* Labels that select the simulator's pods (never the operator's). */}}
{{- define "tradebot-operator.simulatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "tradebot-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: exchange-sim
{{- end }}

{{/*
The URL the operator's "Simulator" endpoint resolves to: operator.simulatorURL
when set, else the simulator this chart deploys, else nothing (the
operator's own default).
*/}}
{{- define "tradebot-operator.simulatorURL" -}}
{{- if .Values.operator.simulatorURL -}}
{{- .Values.operator.simulatorURL -}}
{{- else if .Values.simulator.enabled -}}
{{- printf "http://%s.%s.svc:%v" (include "tradebot-operator.simulatorName" .) .Release.Namespace .Values.simulator.port -}}
{{- end -}}
{{- end }}

{{/* Where the InfluxDB token Secret is mounted. */}}
{{- define "tradebot-operator.influxTokenDir" -}}
/etc/tradebot/influx
{{- end }}

{{/*
"true" when the recording spool is on: InfluxDB recording is configured and
influx.spool.enabled; empty otherwise. A PVC serves one replica only.
*/}}
{{- define "tradebot-operator.spoolOn" -}}
{{- if and .Values.influx.url .Values.influx.spool.enabled -}}
{{- if and (eq .Values.influx.spool.type "pvc") (gt (int .Values.replicaCount) 1) -}}
{{- fail "influx.spool.type=pvc serves one replica; use emptyDir with replicaCount above 1" -}}
{{- end -}}
{{- if lt (int64 .Values.influx.spool.sizeMiB) 1 -}}
{{- fail "influx.spool.sizeMiB must be at least 1" -}}
{{- end -}}
true
{{- end -}}
{{- end }}

{{/* Where the recording spool is mounted. */}}
{{- define "tradebot-operator.spoolDir" -}}
/var/lib/tradebot/spool
{{- end }}

{{/* The claim the spool uses when spool.type is pvc. */}}
{{- define "tradebot-operator.spoolClaim" -}}
{{- default (printf "%s-spool" (include "tradebot-operator.fullname" .)) .Values.influx.spool.pvc.existingClaim }}
{{- end }}

{{/*
The operator's command-line flags as a YAML list. Built as a list and
rendered with toYaml so that any value is quoted correctly.
*/}}
{{- define "tradebot-operator.args" -}}
{{- $op := .Values.operator -}}
{{- $args := list (printf "--metrics-bind-address=:%v" $op.metricsPort) (printf "--health-probe-bind-address=:%v" $op.probePort) -}}
{{- if .Values.sharding.enabled -}}
{{- $args = concat $args (list "--sharding" (printf "--shard-lease-duration=%s" .Values.sharding.leaseDuration) (printf "--shard-egress=%s" .Values.sharding.egress)) -}}
{{- else if .Values.leaderElection.enabled -}}
{{- $args = concat $args (list "--leader-elect" (printf "--leader-election-id=%s" .Values.leaderElection.id)) -}}
{{- end -}}
{{- with (include "tradebot-operator.simulatorURL" .) -}}
{{- $args = append $args (printf "--simulator-url=%s" .) -}}
{{- end -}}
{{- $args = concat $args (list (printf "--status-interval=%s" $op.statusInterval) (printf "--probe-interval=%s" $op.probeInterval) (printf "--exchange-request-timeout=%s" $op.exchangeRequestTimeout)) -}}
{{- $args = concat $args (list (printf "--max-concurrent-reconciles=%v" $op.maxConcurrentReconciles) (printf "--kube-api-qps=%v" $op.kubeAPI.qps) (printf "--kube-api-burst=%v" $op.kubeAPI.burst) (printf "--event-qps=%v" $op.events.qps) (printf "--event-burst=%v" $op.events.burst)) -}}
{{- if $op.allowLiveTrading -}}
{{- $args = append $args "--allow-live-trading" -}}
{{- end -}}
{{- with .Values.influx.url -}}
{{- $args = append $args (printf "--influx-url=%s" .) -}}
{{- end -}}
{{- with .Values.influx.org -}}
{{- $args = append $args (printf "--influx-org=%s" .) -}}
{{- end -}}
{{- if .Values.influx.tokenSecret.name -}}
{{- $key := required "influx.tokenSecret.key is required" .Values.influx.tokenSecret.key -}}
{{- $args = append $args (printf "--influx-token-file=%s/%s" (include "tradebot-operator.influxTokenDir" .) $key) -}}
{{- end -}}
{{- if include "tradebot-operator.spoolOn" . -}}
{{- $spool := .Values.influx.spool -}}
{{- $args = concat $args (list (printf "--recording-spool-dir=%s" (include "tradebot-operator.spoolDir" .)) (printf "--recording-spool-bytes=%d" (mul (int64 $spool.sizeMiB) 1048576)) (printf "--recording-spool-commit-interval=%s" $spool.commitInterval)) -}}
{{- end -}}
{{- $args = concat $args .Values.extraArgs -}}
{{- toYaml $args }}
{{- end }}
