{{/* Names */}}
{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "herald.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "herald.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "herald.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>", e.g. herald-worker-webhook. Args: dict root, component. */}}
{{- define "herald.componentName" -}}
{{- printf "%s-%s" (include "herald.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "herald.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "herald.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: herald
{{- end -}}

{{- define "herald.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "herald.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "herald.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The topic prefix + name, as the apps compute it (packages/core/src/topics.ts). */}}
{{- define "herald.topic" -}}
{{- printf "%s%s" .root.Values.kafka.topicPrefix .name -}}
{{- end -}}

{{/* A setting from a literal or an existing Secret. Args: dict name, value, secret. */}}
{{- define "herald.envFrom" -}}
{{- if .secret.name }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret.name }}
      key: {{ .secret.key }}
{{- else if .value }}
- name: {{ .name }}
  value: {{ .value | quote }}
{{- end }}
{{- end -}}

{{/*
The schema registry settings, for the router only (it alone decodes events; the
other apps refuse settings they do not read). Arg: the root context.
*/}}
{{- define "herald.schemaRegistryEnv" -}}
{{- $v := .Values -}}
{{- if $v.schemaRegistry.url }}
- name: HERALD_SCHEMA_REGISTRY_URL
  value: {{ $v.schemaRegistry.url | quote }}
{{- if $v.schemaRegistry.username }}
- name: HERALD_SCHEMA_REGISTRY_USERNAME
  value: {{ $v.schemaRegistry.username | quote }}
{{- end }}
{{- if $v.schemaRegistry.passwordSecret.name }}
- name: HERALD_SCHEMA_REGISTRY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.schemaRegistry.passwordSecret.name }}
      key: {{ $v.schemaRegistry.passwordSecret.key }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Settings every app reads (each app's src/env.ts: kafkaEnv, logEnv, lifecycleEnv,
telemetryEnv; DATABASE_URL and REDIS_URL), then the global env, then the
component's env and extraEnv. Args: dict root, component (e.g. worker-webhook), values.
*/}}
{{- define "herald.env" -}}
{{- $v := .root.Values -}}
- name: KAFKA_BROKERS
  value: {{ join "," $v.kafka.brokers | quote }}
- name: HERALD_KAFKA_CLIENT_ID
  value: {{ $v.kafka.clientId | quote }}
{{- if $v.kafka.topicPrefix }}
- name: HERALD_TOPIC_PREFIX
  value: {{ $v.kafka.topicPrefix | quote }}
{{- end }}
- name: HERALD_TOPIC_PARTITIONS
  value: {{ $v.kafka.topicPartitions | quote }}
- name: HERALD_TOPIC_REPLICATION
  value: {{ $v.kafka.topicReplication | quote }}
- name: HERALD_TOPIC_MIN_INSYNC_REPLICAS
  value: {{ $v.kafka.topicMinInsyncReplicas | quote }}
- name: HERALD_KAFKA_COMPRESSION
  value: {{ $v.kafka.compression | quote }}
- name: HERALD_KAFKA_CLIENT
  value: {{ $v.kafka.client | default "platformatic" | quote }}
- name: HERALD_KAFKA_MAX_RECORD_BYTES
  value: {{ $v.kafka.maxRecordBytes | int64 | quote }}
- name: HERALD_DLQ_RETENTION_MS
  value: {{ $v.kafka.dlqRetentionMs | int64 | quote }}
{{- if $v.kafka.sasl.enabled }}
- name: HERALD_KAFKA_SASL_MECHANISM
  value: {{ $v.kafka.sasl.mechanism | quote }}
- name: HERALD_KAFKA_SASL_USERNAME
  value: {{ $v.kafka.sasl.username | quote }}
- name: HERALD_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.passwordSecret.name is required when kafka.sasl.enabled" $v.kafka.sasl.passwordSecret.name }}
      key: {{ $v.kafka.sasl.passwordSecret.key }}
{{- end }}
{{- if $v.kafka.tls.enabled }}
- name: HERALD_KAFKA_TLS
  value: "true"
{{- if $v.kafka.tls.caSecret.name }}
- name: HERALD_KAFKA_TLS_CA_FILE
  value: /etc/herald/kafka-ca/{{ $v.kafka.tls.caSecret.key }}
{{- end }}
{{- end }}
{{- include "herald.envFrom" (dict "name" "DATABASE_URL" "value" $v.postgres.url "secret" $v.postgres.existingSecret) }}
{{- include "herald.envFrom" (dict "name" "REDIS_URL" "value" $v.redis.url "secret" $v.redis.existingSecret) }}
- name: HERALD_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: HERALD_SHUTDOWN_TIMEOUT_MS
  value: {{ $v.shutdownTimeoutMs | quote }}
- name: HERALD_METRICS_PORT
  value: {{ $v.metrics.port | quote }}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- if $v.tracing.endpoint }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "herald-%s" .component | quote }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $v.tracing.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $v.tracing.protocol | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ $v.tracing.sampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $v.tracing.samplerRatio | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE),service.namespace={{ .root.Release.Name }}"
{{- if $v.tracing.headersSecret.name }}
- name: OTEL_EXPORTER_OTLP_HEADERS
  valueFrom:
    secretKeyRef:
      name: {{ $v.tracing.headersSecret.name }}
      key: {{ $v.tracing.headersSecret.key }}
{{- end }}
{{- end }}
{{- range $name, $value := $v.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range $name, $value := .values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Volumes every pod has: a writable /tmp (the root filesystem is read-only) and the Kafka CA. */}}
{{- define "herald.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret.name }}
{{- end }}
{{- end -}}

{{- define "herald.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/herald/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/*
A Herald Deployment. Args: dict root, component, values (the component's values),
args (the container command), env (extra env YAML), volumes, volumeMounts (extra YAML),
ports (extra container ports YAML), annotations (extra pod annotations map), autoscaled.
*/}}
{{- define "herald.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "herald.componentName" . }}
  labels:
    {{- include "herald.labels" . | nindent 4 }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "herald.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        {{- include "herald.selectorLabels" . | nindent 8 }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $root.Values.metrics.port | quote }}
        prometheus.io/path: /metrics
        {{- with .annotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "herald.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # Longer than HERALD_SHUTDOWN_TIMEOUT_MS, so a stop drains and commits in time.
      terminationGracePeriodSeconds: {{ add (div $root.Values.shutdownTimeoutMs 1000) 10 }}
      containers:
        - name: herald
          image: {{ include "herald.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            {{- toYaml .args | nindent 12 }}
          ports:
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
            {{- with .ports }}
            {{- . | nindent 12 }}
            {{- end }}
          env:
            {{- include "herald.env" . | nindent 12 }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
          livenessProbe:
            httpGet: { path: /healthz, port: metrics }
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet: { path: /readyz, port: metrics }
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          {{- with $v.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "herald.volumeMounts" $root | nindent 12 }}
            {{- with .volumeMounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "herald.volumes" $root | nindent 8 }}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.affinity }}
      affinity:
        {{- toYaml $v.affinity | nindent 8 }}
      {{- else }}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "herald.selectorLabels" . | nindent 20 }}
      {{- end }}
{{- end -}}

{{/* PodDisruptionBudget for a component. Args: dict root, component, values. */}}
{{- define "herald.pdb" -}}
{{- if .values.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "herald.componentName" . }}
  labels:
    {{- include "herald.labels" . | nindent 4 }}
spec:
  {{- if hasKey .values.pdb "minAvailable" }}
  minAvailable: {{ .values.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .values.pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "herald.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* HPA on CPU for a component. Args: dict root, component, values. */}}
{{- define "herald.hpa" -}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "herald.componentName" . }}
  labels:
    {{- include "herald.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "herald.componentName" . }}
  minReplicas: {{ .values.autoscaling.minReplicas }}
  maxReplicas: {{ .values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .values.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}

{{/* The metrics Service of a component (what the ServiceMonitor scrapes). */}}
{{- define "herald.metricsService" -}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ printf "%s-metrics" (include "herald.componentName" .) | trunc 63 | trimSuffix "-" }}
  labels:
    {{- include "herald.labels" . | nindent 4 }}
    herald.io/metrics: "true"
spec:
  type: ClusterIP
  clusterIP: None
  selector:
    {{- include "herald.selectorLabels" . | nindent 4 }}
  ports:
    - name: metrics
      port: {{ .root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
{{- end -}}
