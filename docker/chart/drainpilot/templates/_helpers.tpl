{{- define "drainpilot.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "drainpilot.serviceAccountName" -}}
{{ default (include "drainpilot.fullname" .) .Values.serviceAccount.name }}
{{- end -}}

{{/* the user the API server sees for DrainPilot's requests: what the admission policies match */}}
{{- define "drainpilot.user" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ include "drainpilot.serviceAccountName" . }}
{{- end -}}

{{- define "drainpilot.planNamespace" -}}
{{ index .Values.config "drainpilot.signal.rancher-hook.namespace" | default "fleet-local" }}
{{- end -}}

{{- define "drainpilot.selectorLabels" -}}
app.kubernetes.io/name: drainpilot
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "drainpilot.labels" -}}
{{ include "drainpilot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "drainpilot.webhookSecretName" -}}
{{ default (printf "%s-alert-webhook" (include "drainpilot.fullname" .)) .Values.alertWebhook.existingSecret }}
{{- end -}}
