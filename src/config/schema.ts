// The config schema: every field, its default and why, and the environment variable that overrides it.
// This file is the single home of defaults; the config reference (docs/config.md) is written from it, and so
// are the inline config's TypeScript type (input.ts) and the compiled check of services[] entries.
import { defineSchema } from './schema-shape.ts';
import { telemetrySchema } from './telemetry-schema.ts';

/** Env var prefix of one service's fields: book-service → GRPC_CLIENTS_BOOK_SERVICE_. */
export function serviceEnvPrefix(serviceName: string): string {
  return `GRPC_CLIENTS_${serviceName.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_`;
}

/**
 * The convict schema of one `grpc_clients.services[]` entry, with env names bound to that service; with
 * envPrefix "" (serviceFields) they are the part after each service's prefix.
 */
export function serviceSchema(envPrefix: string) {
  const env = (path: string) => envPrefix + path.toUpperCase().replace(/\./g, '_');
  return defineSchema({
    name: {
      doc: 'Logical name of the backend; the key for typed clients, logs and the grpcclient.service metric attribute.',
      format: 'service-name',
      default: '',
      required: true,
    },
    address: {
      doc: 'host:port or a gRPC target URI (dns:///host:port, dns://dns-server/host:port, ipv4:1.2.3.4:50051, ipv6:[::1]:50051, unix:/path, xds:///name).',
      format: String,
      default: '',
      env: env('address'),
      required: true,
    },
    timeout: {
      doc: 'How long `connect: eager` (and connect()) waits for the channel to become READY.',
      format: 'wait-duration',
      default: 5_000,
      env: env('timeout'),
    },
    deadline: {
      doc: 'Default deadline of a call made without one, covering every attempt; 0 disables. A call without any deadline can hang forever on a half-open peer.',
      format: 'duration',
      default: 30_000,
      env: env('deadline'),
    },
    connect: {
      doc: 'eager: init() waits for READY and fails if the backend is not there; lazy: connect on first call (start-up order does not matter).',
      format: ['eager', 'lazy'],
      default: 'lazy',
      env: env('connect'),
    },
    wait_for_ready: {
      doc: 'Calls wait (up to their deadline) for a connection instead of failing fast with UNAVAILABLE while the backend is unreachable.',
      format: 'bool',
      default: false,
      env: env('wait_for_ready'),
    },
    connect_timeout: {
      // gRPC's connection-backoff MIN_CONNECT_TIMEOUT: long enough for a slow TLS handshake over a bad
      // network, short enough that a peer that never answers is left well inside the default 30s deadline.
      doc: 'A connection attempt not READY within this is abandoned: the endpoint goes TRANSIENT_FAILURE (fail-fast calls get UNAVAILABLE saying which step stalled) and is retried with the reconnect backoff. gRPC MIN_CONNECT_TIMEOUT.',
      format: 'wait-duration',
      default: 20_000,
      env: env('connect_timeout'),
    },
    load_balancing: {
      // pick_first is gRPC's default: one connection, no surprises for a single address or a VIP.
      doc: 'pick_first: one connection, to the first address that answers. round_robin: a connection per address, calls in turn. least_request: a connection per address, each call to the cheaper of two random READY addresses by latency x calls in flight.',
      format: ['pick_first', 'round_robin', 'least_request'],
      default: 'pick_first',
      env: env('load_balancing'),
    },
    resolve_interval: {
      doc: 'How often a DNS name is resolved again, so replicas added behind it get calls and removed ones are drained. 0 = only at connect and after a connection failure, as grpc-js does: then a new replica gets no calls until a restart or a failure. 30s: a scale-up is seen within half a minute, at one lookup per channel per 30s.',
      format: 'resolve-interval',
      default: 30_000,
      env: env('resolve_interval'),
    },
    min_resolve_interval: {
      // grpc-js spaces its lookups by 30s (grpc.dns_min_time_between_resolutions_ms). 5s: a replica that
      // moved is looked up again within seconds of its connections failing, and a channel whose replica
      // keeps refusing still asks DNS at most 12 times a minute (12 A and 12 AAAA queries).
      doc: 'The shortest time between two DNS lookups of a name (from the start of one to the start of the next). Connection failures ask for a new lookup; asks within this time are answered together by one lookup at its end. After a failed lookup the reconnect backoff spaces them instead. resolve_interval must be 0 or at least this.',
      format: 'min-resolve-interval',
      default: 5_000,
      env: env('min_resolve_interval'),
    },
    outlier_detection: {
      enabled: {
        // Off by default: ejection needs several addresses (round_robin or least_request) and per-service tuning.
        doc: 'Eject an address whose calls fail too often (gRFC A50 failure percentage) for a while; needs load_balancing round_robin or least_request.',
        format: 'bool',
        default: false,
        env: env('outlier_detection.enabled'),
      },
      interval: {
        doc: 'How often failure rates are computed (over the calls of the last interval) and ejections decided (A50 default 10s).',
        format: 'wait-duration',
        default: 10_000,
        env: env('outlier_detection.interval'),
      },
      base_ejection_time: {
        doc: 'An ejected address is out for base_ejection_time x (number of times ejected in a row), at most max_ejection_time (A50 default 30s).',
        format: 'wait-duration',
        default: 30_000,
        env: env('outlier_detection.base_ejection_time'),
      },
      max_ejection_time: {
        doc: 'Upper bound of one ejection (A50 default 300s).',
        format: 'wait-duration',
        default: 300_000,
        env: env('outlier_detection.max_ejection_time'),
      },
      max_ejection_percent: {
        doc: 'At most this share of addresses is ejected at once, but always at least one (A50 default 10).',
        format: 'percent',
        default: 10,
        env: env('outlier_detection.max_ejection_percent'),
      },
      failure_percentage: {
        threshold: {
          doc: 'An address whose share of failed calls in an interval is above this percentage is ejected (A50 default 85).',
          format: 'percent',
          default: 85,
          env: env('outlier_detection.failure_percentage.threshold'),
        },
        minimum_hosts: {
          // A50 says 5; 3 is the usual replica count, and with max_ejection_percent one of three can go.
          doc: 'Ejection runs only while at least this many addresses had request_volume calls in the interval (A50 default 5, ours 3: the usual replica count).',
          format: 'count',
          default: 3,
          env: env('outlier_detection.failure_percentage.minimum_hosts'),
        },
        request_volume: {
          doc: 'An address with fewer calls than this in an interval is neither judged nor counted (A50 default 50).',
          format: 'count',
          default: 50,
          env: env('outlier_detection.failure_percentage.request_volume'),
        },
      },
    },
    max_receive_message_size: {
      doc: 'Largest response message accepted, in bytes (-1 unlimited). gRPC default: 4 MiB.',
      format: 'byte-size',
      default: 4 * 1024 * 1024,
      env: env('max_receive_message_size'),
    },
    max_send_message_size: {
      doc: 'Largest request message sent, in bytes (-1 unlimited, the gRPC default).',
      format: 'byte-size',
      default: -1,
      env: env('max_send_message_size'),
    },
    idle_timeout: {
      doc: 'A channel with no calls for this long goes IDLE and drops its connection (grpc-js default 30m).',
      format: 'positive-duration',
      default: 30 * 60_000,
      env: env('idle_timeout'),
    },
    retry: {
      max: {
        doc: 'Retries after the first attempt (gRFC A6 maxAttempts = max + 1, capped at 5 attempts). 0 disables retries, the gRPC default.',
        format: 'count',
        default: 0,
        env: env('retry.max'),
      },
      timeout: {
        doc: 'Budget for the whole call including every attempt and backoff; 0 uses the call deadline alone.',
        format: 'duration',
        default: 0,
        env: env('retry.timeout'),
      },
      backoff: {
        doc: 'Initial backoff before the first retry (A6 initialBackoff). Retry n waits a random time in [0, min(backoff × multiplier^(n−1), max_backoff)) (A6 full jitter).',
        format: 'wait-duration',
        default: 100,
        env: env('retry.backoff'),
      },
      max_backoff: {
        doc: 'Upper bound of a single backoff delay (A6 maxBackoff).',
        format: 'wait-duration',
        default: 5_000,
        env: env('retry.max_backoff'),
      },
      multiplier: {
        doc: 'Backoff growth per retry (A6 backoffMultiplier).',
        format: 'backoff-multiplier',
        default: 2,
        env: env('retry.multiplier'),
      },
      retryable_codes: {
        doc: 'Status codes that are retried. UNAVAILABLE is the only code that is safe for every method.',
        format: 'status-codes',
        default: ['UNAVAILABLE'],
        env: env('retry.retryable_codes'),
      },
      exclude_methods: {
        doc: 'Methods never retried (non-idempotent writes), by name ("CreateOrder") or full name ("order.v1.OrderService/CreateOrder").',
        format: 'string-list',
        default: [] as string[],
        env: env('retry.exclude_methods'),
      },
      max_tokens: {
        doc: 'Retry throttling bucket size per target (A6 retryThrottling.maxTokens, 1-1000); retries stop while tokens <= max_tokens/2.',
        format: 'retry-tokens',
        default: 10,
        env: env('retry.max_tokens'),
      },
      token_ratio: {
        doc: 'Tokens a successful call gives back (A6 retryThrottling.tokenRatio).',
        format: 'positive-number',
        default: 0.1,
        env: env('retry.token_ratio'),
      },
      call_buffer_size: {
        // grpc-js's (and gRPC core's) grpc.per_rpc_retry_buffer_size: every unary request and most short
        // request streams fit, while a bulk upload commits early instead of being held in memory.
        doc: 'Bytes of requests one call keeps until it commits, so a retry or hedge can send them again (A6 retry buffer; grpc-js grpc.per_rpc_retry_buffer_size). A request that does not fit commits the call to the attempt it has: no more retries or hedges. Transparent retries keep to the limits of grpc-js itself. -1: no limit.',
        format: 'byte-size',
        default: 256 * 1024,
        env: env('retry.call_buffer_size'),
      },
      channel_buffer_size: {
        // grpc-js's grpc.retry_buffer_size: many concurrent streams cannot hold more than this between them.
        doc: 'The same bound for all calls of the service together (grpc-js grpc.retry_buffer_size): a call whose request does not fit commits as above. -1: no limit.',
        format: 'byte-size',
        default: 16 * 1024 * 1024,
        env: env('retry.channel_buffer_size'),
      },
    },
    hedging: {
      max_attempts: {
        doc: 'Copies of a call sent, the first included (A6 hedgingPolicy.maxAttempts, 2-5); 0 disables hedging. Only for idempotent methods: every copy may run on the server. A hedged method is not retried.',
        format: 'hedge-attempts',
        default: 0,
        env: env('hedging.max_attempts'),
      },
      delay: {
        doc: 'Time between hedges (A6 hedgingDelay): about the p95 latency of the method, so only slow calls are hedged.',
        format: 'wait-duration',
        default: 100,
        env: env('hedging.delay'),
      },
      non_fatal_codes: {
        doc: 'Codes after which the next hedge is sent at once (A6 nonFatalStatusCodes); any other failure ends the call.',
        format: 'status-codes',
        default: ['UNAVAILABLE'],
        env: env('hedging.non_fatal_codes'),
      },
      methods: {
        doc: 'Methods hedged, by name ("GetBook") or full name; empty hedges every method of the service (when max_attempts > 1).',
        format: 'string-list',
        default: [] as string[],
        env: env('hedging.methods'),
      },
    },
    tls: {
      enabled: { doc: 'Use TLS; without ca_file the system roots verify the server.', format: 'bool', default: false, env: env('tls.enabled') },
      ca_file: { doc: 'PEM file of the CA(s) that sign the server certificate.', format: String, default: '', env: env('tls.ca_file') },
      cert_file: { doc: 'PEM client certificate for mutual TLS (with key_file).', format: String, default: '', env: env('tls.cert_file') },
      key_file: { doc: 'PEM private key of cert_file.', format: String, default: '', env: env('tls.key_file') },
      server_name: {
        doc: 'Name to verify in the server certificate (and send as SNI) instead of the address host.',
        format: String,
        default: '',
        env: env('tls.server_name'),
      },
    },
    keepalive: {
      time: {
        doc: 'Interval of HTTP/2 keepalive pings; 0 = off (gRFC A8 default). Values under 10s are raised to 10s (A8).',
        format: 'duration',
        default: 0,
        env: env('keepalive.time'),
      },
      timeout: {
        doc: 'How long to wait for a ping ack before the connection is considered dead (A8 default 20s).',
        format: 'wait-duration',
        default: 20_000,
        env: env('keepalive.timeout'),
      },
      permit_without_calls: {
        doc: 'Also ping while no call is active (A8 default false); the server must allow it or it sends GOAWAY.',
        format: 'bool',
        default: false,
        env: env('keepalive.permit_without_calls'),
      },
    },
    reconnect: {
      initial_backoff: {
        doc: 'First delay before reconnecting after a connection failure (grpc-js default 1s).',
        format: 'wait-duration',
        default: 1_000,
        env: env('reconnect.initial_backoff'),
      },
      max_backoff: {
        doc: 'Upper bound of the reconnect delay (grpc-js default 120s).',
        format: 'wait-duration',
        default: 120_000,
        env: env('reconnect.max_backoff'),
      },
    },
    health_check: {
      enabled: {
        doc: 'Check grpc.health.v1 at connect and watch it; NOT_SERVING is reported, and fails init() with connect: eager.',
        format: 'bool',
        default: false,
        env: env('health_check.enabled'),
      },
      service: {
        doc: 'Service name sent in HealthCheckRequest ("" asks about the server as a whole).',
        format: String,
        default: '',
        env: env('health_check.service'),
      },
    },
  });
}

/** The service schema read once for every entry: env names relative to the entry's prefix (serviceEnvPrefix). */
export const serviceFields = serviceSchema('');

/** The schema of the `grpc_clients` section outside the services list. */
export const globalSchema = defineSchema({
  grpc_clients: {
    services: {
      doc: 'The backends this process calls; each entry is validated against the service schema.',
      format: Array,
      default: [] as unknown[],
    },
    drain_timeout: {
      doc: 'How long shutdown() lets in-flight calls finish before cancelling them.',
      format: 'duration',
      default: 10_000,
      env: 'GRPC_CLIENTS_DRAIN_TIMEOUT',
    },
    telemetry: telemetrySchema,
  },
});
