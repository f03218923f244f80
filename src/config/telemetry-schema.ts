// Schema of `grpc_clients.telemetry`: what the SDK exports and where. Standard OTEL_* variables win
// over these fields where OpenTelemetry defines one (OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER, ...).
import { defineSchema } from './schema-shape.ts';

export const telemetrySchema = defineSchema({
  enabled: {
    doc: 'Master switch: false traces, measures and logs no call, and loads and starts no OpenTelemetry SDK.',
    format: 'bool',
    default: true,
    env: 'GRPC_CLIENTS_TELEMETRY_ENABLED',
  },
  service_name: {
    doc: 'OpenTelemetry resource service.name; OTEL_SERVICE_NAME and init({ service }) take precedence in that order.',
    format: String,
    default: '',
    env: 'GRPC_CLIENTS_TELEMETRY_SERVICE_NAME',
  },
  flush_timeout: {
    doc: 'Longest shutdown() waits for the last spans and metrics to be exported before it drops them; an unreachable or stuck collector must not hold up a deploy (a SIGTERM exit waits drain_timeout + this).',
    format: 'positive-duration',
    default: 2_000,
    env: 'GRPC_CLIENTS_TELEMETRY_FLUSH_TIMEOUT',
  },
  export_timeout: {
    doc: 'Longest one OTLP export may take, the exporter\'s own retries included; half the OTel default of 10s, because a healthy collector answers within a second and a hung export holds back the next batch. OTEL_EXPORTER_OTLP_TIMEOUT overrides; the metrics one never exceeds export_interval.',
    format: 'positive-duration',
    default: 5_000,
    env: 'GRPC_CLIENTS_TELEMETRY_EXPORT_TIMEOUT',
  },
  resource: {
    process_command: {
      doc: 'Add process.command, process.command_line, process.command_args and process.executable.path to the exported resource, and the full path in process.executable.name (OpenTelemetry\'s process detector sets them). Off because command lines often carry secrets (tokens, passwords passed as flags).',
      format: 'bool',
      default: false,
      env: 'GRPC_CLIENTS_TELEMETRY_RESOURCE_PROCESS_COMMAND',
    },
  },
  traces: {
    exporter: {
      doc: 'otlp (OTLP over HTTP), console or none; OTEL_TRACES_EXPORTER overrides.',
      format: ['otlp', 'console', 'none'],
      default: 'otlp',
      env: 'GRPC_CLIENTS_TELEMETRY_TRACES_EXPORTER',
    },
    endpoint: {
      doc: 'OTLP HTTP base URL (the exporter appends /v1/traces); empty uses OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318.',
      format: String,
      default: '',
      env: 'GRPC_CLIENTS_TELEMETRY_TRACES_ENDPOINT',
    },
    sample_ratio: {
      doc: 'Fraction of new traces sampled (parent-based: an incoming sampled trace is always followed).',
      format: 'ratio',
      default: 1,
      env: 'GRPC_CLIENTS_TELEMETRY_TRACES_SAMPLE_RATIO',
    },
  },
  metrics: {
    exporter: {
      doc: 'prometheus (scrape endpoint), otlp (push over HTTP), both, or none; OTEL_METRICS_EXPORTER overrides.',
      format: ['prometheus', 'otlp', 'both', 'none'],
      default: 'prometheus',
      env: 'GRPC_CLIENTS_TELEMETRY_METRICS_EXPORTER',
    },
    prometheus_host: {
      doc: 'Interface the Prometheus endpoint listens on.',
      format: String,
      default: '0.0.0.0',
      env: 'GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_HOST',
    },
    prometheus_port: {
      doc: 'Port of the Prometheus scrape endpoint (path /metrics), 1-65535. A port already taken does not stop the application: it logs a warning and serves calls without the endpoint.',
      format: 'tcp-port',
      default: 9464,
      env: 'GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_PORT',
    },
    endpoint: {
      doc: 'OTLP HTTP base URL for metrics (the exporter appends /v1/metrics); empty uses the traces endpoint rules.',
      format: String,
      default: '',
      env: 'GRPC_CLIENTS_TELEMETRY_METRICS_ENDPOINT',
    },
    export_interval: {
      doc: 'How often OTLP metrics are pushed; OTEL_METRIC_EXPORT_INTERVAL overrides.',
      format: 'positive-duration',
      default: 15_000,
      env: 'GRPC_CLIENTS_TELEMETRY_METRICS_EXPORT_INTERVAL',
    },
  },
  logs: {
    level: {
      doc: 'winston level of the SDK logger: silent (no lines at all), error, warn, info, debug.',
      format: ['silent', 'error', 'warn', 'info', 'debug'],
      default: 'info',
      env: 'GRPC_CLIENTS_TELEMETRY_LOGS_LEVEL',
    },
    format: {
      doc: 'json (one object per line, for log shippers) or pretty (for a terminal).',
      format: ['json', 'pretty'],
      default: 'json',
      env: 'GRPC_CLIENTS_TELEMETRY_LOGS_FORMAT',
    },
  },
  legacy_trace_header: {
    doc: 'Also send the pre-OpenTelemetry X-Trace-ID header carrying the trace id, while callees migrate.',
    format: 'bool',
    default: false,
    env: 'GRPC_CLIENTS_TELEMETRY_LEGACY_TRACE_HEADER',
  },
  redact_metadata: {
    doc: 'Metadata keys never written to logs or span attributes, on top of authorization and cookie.',
    format: 'string-list',
    default: [] as string[],
    env: 'GRPC_CLIENTS_TELEMETRY_REDACT_METADATA',
  },
});
