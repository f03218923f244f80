// The validated config as the rest of the SDK reads it: durations in milliseconds, sizes in bytes.
import type { GrpcClientsConfigInput } from './input.ts';

export interface RetryConfig {
  max: number;
  timeout: number;
  backoff: number;
  max_backoff: number;
  multiplier: number;
  retryable_codes: string[];
  exclude_methods: string[];
  max_tokens: number;
  token_ratio: number;
  /** Bytes; -1 for no limit. */
  call_buffer_size: number;
  channel_buffer_size: number;
}

export interface HedgingConfig {
  max_attempts: number;
  delay: number;
  non_fatal_codes: string[];
  methods: string[];
}

export interface TlsConfig {
  enabled: boolean;
  ca_file: string;
  cert_file: string;
  key_file: string;
  server_name: string;
}

export interface KeepaliveConfig {
  time: number;
  timeout: number;
  permit_without_calls: boolean;
}

/** Outlier ejection (gRFC A50, failure-percentage algorithm), mapped onto grpc-js's outlier_detection policy. */
export interface OutlierDetectionConfig {
  enabled: boolean;
  interval: number;
  base_ejection_time: number;
  max_ejection_time: number;
  max_ejection_percent: number;
  failure_percentage: { threshold: number; minimum_hosts: number; request_volume: number };
}

export interface ServiceConfig {
  name: string;
  address: string;
  timeout: number;
  deadline: number;
  connect: 'eager' | 'lazy';
  wait_for_ready: boolean;
  load_balancing: 'pick_first' | 'round_robin' | 'least_request';
  resolve_interval: number;
  min_resolve_interval: number;
  outlier_detection: OutlierDetectionConfig;
  connect_timeout: number;
  max_receive_message_size: number;
  max_send_message_size: number;
  idle_timeout: number;
  retry: RetryConfig;
  hedging: HedgingConfig;
  tls: TlsConfig;
  keepalive: KeepaliveConfig;
  reconnect: { initial_backoff: number; max_backoff: number };
  health_check: { enabled: boolean; service: string };
}

export interface TelemetryConfig {
  enabled: boolean;
  service_name: string;
  /** Milliseconds. */
  flush_timeout: number;
  /** Milliseconds. */
  export_timeout: number;
  resource: { process_command: boolean };
  traces: { exporter: 'otlp' | 'console' | 'none'; endpoint: string; sample_ratio: number };
  metrics: {
    exporter: 'prometheus' | 'otlp' | 'both' | 'none';
    prometheus_host: string;
    prometheus_port: number;
    endpoint: string;
    export_interval: number;
  };
  logs: { level: 'silent' | 'error' | 'warn' | 'info' | 'debug'; format: 'json' | 'pretty' };
  legacy_trace_header: boolean;
  redact_metadata: string[];
}

export interface GrpcClientsConfig {
  services: ServiceConfig[];
  drain_timeout: number;
  telemetry: TelemetryConfig;
}

/**
 * What init() and loadConfig() accept: a file path, or the document itself with its grpc_clients section typed
 * from the schema. Only grpc_clients is read; other top-level keys are the application's own sections and are left alone.
 */
export type ConfigSource = string | { readonly grpc_clients: GrpcClientsConfigInput; readonly [section: string]: unknown };
