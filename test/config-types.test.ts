// The inline config's type, derived from the schema: `npm run typecheck` fails if a mistake marked with an
// expected error compiles (the type no longer catches it), or if the config with every field set does not.
import test from 'ava';
import { loadConfig, type ConfigSource, type GrpcClientsConfigInput, type ServiceConfigInput } from '../src/index.ts';

/** Every field of the schema, set to a valid value: what the type must accept, and the run-time check too. */
const everyField = {
  grpc_clients: {
    drain_timeout: '5s',
    telemetry: {
      enabled: false,
      service_name: 'checkout',
      flush_timeout: 1_500,
      export_timeout: '3s',
      resource: { process_command: false },
      traces: { exporter: 'otlp', endpoint: 'http://collector:4318', sample_ratio: 0.1 },
      metrics: { exporter: 'both', prometheus_host: '127.0.0.1', prometheus_port: 9464, endpoint: '', export_interval: '15s' },
      logs: { level: 'warn', format: 'pretty' },
      legacy_trace_header: false,
      redact_metadata: ['x-api-key'],
    },
    services: [
      {
        name: 'book-service',
        address: 'dns:///books.internal:9002',
        timeout: '2s',
        deadline: 30_000,
        connect: 'lazy',
        wait_for_ready: true,
        connect_timeout: '20s',
        load_balancing: 'least_request',
        resolve_interval: '30s',
        outlier_detection: {
          enabled: true,
          interval: '10s',
          base_ejection_time: '30s',
          max_ejection_time: '5m',
          max_ejection_percent: 10,
          failure_percentage: { threshold: 85, minimum_hosts: 3, request_volume: 50 },
        },
        max_receive_message_size: '8MiB',
        max_send_message_size: -1,
        idle_timeout: '30m',
        retry: {
          max: 2,
          timeout: '10s',
          backoff: '100ms',
          max_backoff: '5s',
          multiplier: 2,
          retryable_codes: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'],
          exclude_methods: ['CreateOrder'],
          max_tokens: 10,
          token_ratio: 0.1,
        },
        hedging: { max_attempts: 3, delay: '50ms', non_fatal_codes: ['UNAVAILABLE'], methods: ['GetBook'] },
        tls: { enabled: false, ca_file: '', cert_file: '', key_file: '', server_name: '' },
        keepalive: { time: '1m', timeout: '20s', permit_without_calls: false },
        reconnect: { initial_backoff: '1s', max_backoff: '2m' },
        health_check: { enabled: false, service: '' },
      },
    ],
  },
} satisfies ConfigSource;

const minimal: ServiceConfigInput = { name: 'book-service', address: 'localhost:9002' };

// @ts-expect-error a misspelt key is a compile error (deadline)
const misspelt: ServiceConfigInput = { ...minimal, dedline: '2s' };
// @ts-expect-error a misspelt key inside a section (retry.max)
const misspeltInSection: ServiceConfigInput = { ...minimal, retry: { maxx: 2 } };
// @ts-expect-error an unknown load_balancing policy
const unknownPolicy: ServiceConfigInput = { ...minimal, load_balancing: 'random' };
// @ts-expect-error a duration is a number of milliseconds or a string with a unit, not a boolean
const wrongType: ServiceConfigInput = { ...minimal, deadline: true };
// @ts-expect-error a duration string needs its unit
const unitless: ServiceConfigInput = { ...minimal, timeout: 'soon' };
// @ts-expect-error a count is a number
const countAsText: ServiceConfigInput = { ...minimal, retry: { max: 'three' } };
// @ts-expect-error status codes by their gRPC names
const unknownCode: ServiceConfigInput = { ...minimal, retry: { retryable_codes: ['UNAVAILABLEE'] } };
// @ts-expect-error name and address have no usable default
const noAddress: ServiceConfigInput = { name: 'book-service' };
// @ts-expect-error a section is an object
const sectionAsNumber: ServiceConfigInput = { ...minimal, keepalive: 3 };
// @ts-expect-error an unknown telemetry exporter
const unknownExporter: GrpcClientsConfigInput = { services: [minimal], telemetry: { metrics: { exporter: 'statsd' } } };
// @ts-expect-error a misspelt key of grpc_clients itself
const misspeltSection: GrpcClientsConfigInput = { services: [minimal], telemetri: {} };

test('the config with every field set, which the inline type accepts, also passes the run-time check', (t) => {
  const config = loadConfig(everyField, { env: {} });
  t.is(config.services[0]!.max_receive_message_size, 8 * 1_048_576);
  t.is(config.drain_timeout, 5_000);
  // What the type rejects above, the run-time check rejects too: the type is no stricter than the check.
  for (const wrong of [misspelt, misspeltInSection, unknownPolicy, wrongType, unitless, countAsText, unknownCode, noAddress, sectionAsNumber]) {
    t.throws(() => loadConfig({ grpc_clients: { services: [wrong] } }, { env: {} }), undefined, JSON.stringify(wrong));
  }
  for (const wrong of [unknownExporter, misspeltSection]) t.throws(() => loadConfig({ grpc_clients: wrong }, { env: {} }), undefined, JSON.stringify(wrong));
});
