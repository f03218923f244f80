// The gRPC standard client instruments (gRFC A66, A96, A94): names, units and bucket boundaries exactly
// as gRPC's Go/Java/C++ libraries emit them, so dashboards built for those work for Node services too.
import type { Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';

/** A66 latency buckets, in seconds. */
export const LATENCY_BUCKETS_S = [
  0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.013, 0.016, 0.02, 0.025, 0.03,
  0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1, 2, 5, 10, 20, 50, 100,
];

/** A66 message-size buckets, in bytes. */
export const SIZE_BUCKETS_BY = [0, 1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824, 4294967296];

/** A96 retry-count buckets. */
export const RETRY_BUCKETS = [1, 2, 3, 4, 5];

/** A96 transparent-retry buckets: a call may be refused more often than retried (every GOAWAY race). */
export const TRANSPARENT_RETRY_BUCKETS = [1, 2, 3, 4, 5, 10];

/** Name, unit, description and buckets of each per-call instrument: the one description both recorders use. */
export interface InstrumentSpec {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly buckets?: readonly number[];
}

/** A histogram's spec: the A66/A96 name, unit and buckets, and the description gRPC's libraries give it. */
function histogram(name: string, unit: string, buckets: readonly number[], description: string): InstrumentSpec {
  return { name, unit, buckets, description };
}

export const ATTEMPT_STARTED: InstrumentSpec = { name: 'grpc.client.attempt.started', unit: '{attempt}', description: 'Number of client call attempts started.' };
export const ATTEMPT_DURATION = histogram('grpc.client.attempt.duration', 's', LATENCY_BUCKETS_S, 'End-to-end time taken to complete a client call attempt.');
export const ATTEMPT_SENT_SIZE = histogram(
  'grpc.client.attempt.sent_total_compressed_message_size',
  'By',
  SIZE_BUCKETS_BY,
  'Total bytes (compressed but not encrypted) sent across all request messages per call attempt.',
);
export const ATTEMPT_RCVD_SIZE = histogram(
  'grpc.client.attempt.rcvd_total_compressed_message_size',
  'By',
  SIZE_BUCKETS_BY,
  'Total bytes (compressed but not encrypted) received across all response messages per call attempt.',
);
export const CALL_DURATION = histogram('grpc.client.call.duration', 's', LATENCY_BUCKETS_S, 'Time taken by the gRPC library to complete a client call, all attempts included.');
export const CALL_RETRIES = histogram('grpc.client.call.retries', '{retry}', RETRY_BUCKETS, 'Number of retries during the client call (calls without retries are not recorded).');
export const CALL_TRANSPARENT_RETRIES = histogram(
  'grpc.client.call.transparent_retries',
  '{transparent_retry}',
  TRANSPARENT_RETRY_BUCKETS,
  'Number of transparent retries made during the client call (calls without any are not recorded).',
);
export const CALL_HEDGES = histogram('grpc.client.call.hedges', '{hedge}', RETRY_BUCKETS, 'Number of hedges during the client call (calls without hedges are not recorded).');
export const CALL_RETRY_DELAY = histogram('grpc.client.call.retry_delay', 's', LATENCY_BUCKETS_S, 'Total time of delay while there is no active attempt during the client call.');

export interface ClientInstruments {
  attemptStarted: Counter;
  attemptDuration: Histogram;
  attemptSentSize: Histogram;
  attemptRcvdSize: Histogram;
  callDuration: Histogram;
  callRetries: Histogram;
  callTransparentRetries: Histogram;
  callHedges: Histogram;
  callRetryDelay: Histogram;
  connectionAttemptsSucceeded: Counter;
  connectionAttemptsFailed: Counter;
  disconnections: Counter;
  openConnections: UpDownCounter;
}

/**
 * Creates the instruments on `meter`. Buckets are given as instrument advice, not as SDK views, so they
 * also apply when the application brings its own MeterProvider.
 */
export function createClientInstruments(meter: Meter): ClientInstruments {
  const histogram = ({ name, unit, description, buckets }: InstrumentSpec) =>
    meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: [...buckets!] } });
  return {
    attemptStarted: meter.createCounter(ATTEMPT_STARTED.name, { unit: ATTEMPT_STARTED.unit, description: ATTEMPT_STARTED.description }),
    attemptDuration: histogram(ATTEMPT_DURATION),
    attemptSentSize: histogram(ATTEMPT_SENT_SIZE),
    attemptRcvdSize: histogram(ATTEMPT_RCVD_SIZE),
    callDuration: histogram(CALL_DURATION),
    callRetries: histogram(CALL_RETRIES),
    callTransparentRetries: histogram(CALL_TRANSPARENT_RETRIES),
    callHedges: histogram(CALL_HEDGES),
    callRetryDelay: histogram(CALL_RETRY_DELAY),
    connectionAttemptsSucceeded: meter.createCounter('grpc.subchannel.connection_attempts_succeeded', {
      unit: '{attempt}',
      description: 'Number of successful connection attempts.',
    }),
    connectionAttemptsFailed: meter.createCounter('grpc.subchannel.connection_attempts_failed', { unit: '{attempt}', description: 'Number of failed connection attempts.' }),
    disconnections: meter.createCounter('grpc.subchannel.disconnections', { unit: '{disconnection}', description: 'Number of times the connection was lost.' }),
    openConnections: meter.createUpDownCounter('grpc.subchannel.open_connections', { unit: '{connection}', description: 'Number of open connections.' }),
  };
}
