{{- define "caracal.fullname" -}}
{{- printf "%s-caracal" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "caracal.labels" -}}
app.kubernetes.io/name: caracal
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: caracal
{{- end -}}
