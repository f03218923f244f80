// What every client variant provides to the load generator, and what it is told about the run.

export interface BenchTargets {
  /** Plaintext address of the bench server, 127.0.0.1:port. */
  address: string;
  /** TLS address of the same server. */
  tlsAddress: string;
  /** CA that signed the server certificate. */
  caFile: string;
  /** OTLP HTTP base URL of the sink (exporters append /v1/traces). */
  sinkUrl: string;
}

export interface Variant {
  /** One GetBook call; resolves when the response arrived. */
  unary(): Promise<void>;
  /** One StreamBooks call; resolves after the last message. */
  stream(): Promise<void>;
  /** Fraction of calls that must reach the sink as a root span (0 when the variant does not trace). */
  readonly traceRatio: number;
  /** Flushes telemetry and closes channels. */
  close(): Promise<void>;
}

export type VariantFactory = (targets: BenchTargets) => Promise<Variant>;

/** The variants, in the report's order; the name is also the module bench/variants/<name>.ts. */
export const VARIANTS = [
  'raw-grpc-js',
  'grpc-js-create-call',
  'grpc-js-create-call-metrics',
  'grpcclient-promise-off',
  'grpcclient-promise-all',
  'grpcclient-promise-production',
  'grpcclient-promise-app-otel',
  'grpcclient-off',
  'grpcclient-all',
  'grpcclient-production',
  'grpc-js-instrumentation',
  'nice-grpc-otel-prom',
  'new-channel-per-call',
  'new-channel-per-call-tls',
] as const;
export type VariantName = (typeof VARIANTS)[number];

export const VARIANT_LABELS: Record<VariantName, string> = {
  'raw-grpc-js': '1. raw grpc-js, one channel (floor)',
  'grpc-js-create-call': '0a. channel.createCall directly (the limit)',
  'grpc-js-create-call-metrics': '0b. channel.createCall + pre-aggregated A66 records',
  'grpcclient-promise-off': '2. grpcclient promise client, telemetry off',
  'grpcclient-promise-all': '3. grpcclient promise client, everything on (100% spans)',
  'grpcclient-promise-production': '4. grpcclient promise client, production (10% spans)',
  'grpcclient-promise-app-otel': "3a. grpcclient promise client, the application's own OpenTelemetry (100% spans, its MeterProvider)",
  'grpcclient-off': '2g. grpcclient grpc-js client, telemetry off',
  'grpcclient-all': '3g. grpcclient grpc-js client, everything on (100% spans)',
  'grpcclient-production': '4g. grpcclient grpc-js client, production (10% spans)',
  'grpc-js-instrumentation': '5. grpc-js + instrumentation-grpc (100% spans)',
  'nice-grpc-otel-prom': '6. nice-grpc + opentelemetry + prometheus',
  'new-channel-per-call': '7a. new channel per call, plaintext',
  'new-channel-per-call-tls': '7b. new channel per call, TLS',
};
