{{/* The chart's name, or nameOverride. */}}
{{- define "pgmux.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: fullnameOverride, else the release name (with the chart's name unless it is in it). */}}
{{- define "pgmux.fullname" -}}
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

{{/* The labels that select the pods: the same on the Deployment, the Services, the PodDisruptionBudget. */}}
{{- define "pgmux.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pgmux.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: pooler
{{- end }}

{{/* Every object's labels. */}}
{{- define "pgmux.labels" -}}
{{ include "pgmux.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The port of a listening address from the config ("0.0.0.0:6432", "[::]:6432"), refusing a
loopback address, which nothing outside the pod could reach. Called with (list "config.listen" ADDRESS).
*/}}
{{- define "pgmux.port" -}}
{{- $key := index . 0 }}
{{- $address := toString (index . 1) }}
{{- if not $address }}
{{- fail (printf "%s must be set (0.0.0.0:PORT): the Service and the probes connect to it" $key) }}
{{- end }}
{{- $host := trimSuffix "]" (trimPrefix "[" (regexReplaceAll ":[0-9]+$" $address "")) }}
{{- if or (hasPrefix "127." $host) (eq $host "localhost" "::1") }}
{{- fail (printf "%s is %s, a loopback address: use 0.0.0.0:PORT so that the Service and the probes reach it" $key $address) }}
{{- end }}
{{- regexFind "[0-9]+$" $address }}
{{- end }}

{{/* The port clients connect to: config.listen's. */}}
{{- define "pgmux.postgresPort" -}}
{{- include "pgmux.port" (list "config.listen" .Values.config.listen) }}
{{- end }}

{{/* The port of /metrics, /healthz and /readyz: config.http.listen's. */}}
{{- define "pgmux.httpPort" -}}
{{- include "pgmux.port" (list "config.http.listen" (dig "http" "listen" "" .Values.config)) }}
{{- end }}

{{/*
config.shutdown_timeout in whole seconds (rounded up), read as pgmux reads a duration: a number
of seconds, or a number with ms, s, m or h. pgmux's default (30s) when the config leaves it out.
*/}}
{{- define "pgmux.shutdownSeconds" -}}
{{- $text := lower (nospace (toString (default "30s" .Values.config.shutdown_timeout))) }}
{{- $amount := regexFind "^[0-9]+" $text }}
{{- $unit := trimPrefix $amount $text }}
{{- if not $amount }}
{{- fail (printf "config.shutdown_timeout: cannot read %q as a duration (500ms, 15s, 2m, 1h)" $text) }}
{{- else if eq $unit "ms" }}
{{- div (add (atoi $amount) 999) 1000 }}
{{- else if or (eq $unit "s") (eq $unit "") }}
{{- atoi $amount }}
{{- else if eq $unit "m" }}
{{- mul (atoi $amount) 60 }}
{{- else if eq $unit "h" }}
{{- mul (atoi $amount) 3600 }}
{{- else }}
{{- fail (printf "config.shutdown_timeout: cannot read %q as a duration (500ms, 15s, 2m, 1h)" $text) }}
{{- end }}
{{- end }}
