// The per-call measurements of gRFC A66 and A96, recorded on the hot path. Two recorders behind one
// interface: the SDK's own pre-aggregated series (no attribute hashing per record; handed to
// OpenTelemetry at collection time by metric-producer.ts), and, when the application owns the
// MeterProvider, the OpenTelemetry API instruments.
import type { Attributes } from '@opentelemetry/api';
import { status as Status } from '@grpc/grpc-js';
import * as attr from './attributes.ts';
import { LATENCY_BUCKETS_S, RETRY_BUCKETS, SIZE_BUCKETS_BY, TRANSPARENT_RETRY_BUCKETS, type ClientInstruments } from './instruments.ts';
import { statusName } from './status-names.ts';

/** The measurements of one method (grpc.method value) of one service. */
export interface MethodSeries {
  attemptStarted(): void;
  attemptEnded(code: Status, seconds: number, sentBytes: number, rcvdBytes: number): void;
  /**
   * retries and hedges: attempts after the first, by the policy that made them; transparentRetries:
   * refused streams grpc-js sent again (0 is not recorded, as gRPC's Java and C++ libraries do for A96).
   */
  callEnded(code: Status, seconds: number, retries: number, hedges: number, transparentRetries: number, retryDelaySeconds: number): void;
}

export interface CallMetricsRecorder {
  /** The series of one grpc.method value; cached, so calls never build attribute sets. */
  series(metricMethod: string): MethodSeries;
}

/** An explicit-bucket histogram as OpenTelemetry aggregates one: bucket i holds boundaries[i-1] < v <= boundaries[i]. */
export class BucketHistogram {
  readonly boundaries: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;

  constructor(boundaries: readonly number[]) {
    this.boundaries = boundaries;
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    const { boundaries } = this;
    let index = 0;
    while (index < boundaries.length && value > boundaries[index]!) index++;
    this.counts[index]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}

/** Per (method, status) histograms: one object per status code, made when the code is first seen. */
export class StatusSeries {
  readonly attributes: Attributes;
  readonly attemptDuration = new BucketHistogram(LATENCY_BUCKETS_S);
  readonly attemptSent = new BucketHistogram(SIZE_BUCKETS_BY);
  readonly attemptRcvd = new BucketHistogram(SIZE_BUCKETS_BY);
  readonly callDuration = new BucketHistogram(LATENCY_BUCKETS_S);

  constructor(attributes: Attributes) {
    this.attributes = attributes;
  }
}

/** One method's pre-aggregated series: counters and histograms, cumulative since `startTime`. */
export class AggregatedMethodSeries implements MethodSeries {
  readonly attributes: Attributes;
  readonly byStatus: (StatusSeries | undefined)[] = [];
  attemptsStarted = 0;
  readonly retries = new BucketHistogram(RETRY_BUCKETS);
  readonly transparentRetries = new BucketHistogram(TRANSPARENT_RETRY_BUCKETS);
  readonly hedges = new BucketHistogram(RETRY_BUCKETS);
  readonly retryDelay = new BucketHistogram(LATENCY_BUCKETS_S);

  constructor(attributes: Attributes) {
    this.attributes = attributes;
  }

  attemptStarted(): void {
    this.attemptsStarted++;
  }

  attemptEnded(code: Status, seconds: number, sentBytes: number, rcvdBytes: number): void {
    const series = this.status(code);
    series.attemptDuration.record(seconds);
    series.attemptSent.record(sentBytes);
    series.attemptRcvd.record(rcvdBytes);
  }

  callEnded(code: Status, seconds: number, retries: number, hedges: number, transparentRetries: number, retryDelaySeconds: number): void {
    this.status(code).callDuration.record(seconds);
    if (retries > 0) {
      this.retries.record(retries);
      this.retryDelay.record(retryDelaySeconds);
    }
    if (hedges > 0) this.hedges.record(hedges);
    if (transparentRetries > 0) this.transparentRetries.record(transparentRetries);
  }

  private status(code: Status): StatusSeries {
    return (this.byStatus[code] ??= new StatusSeries({ ...this.attributes, [attr.GRPC_STATUS]: statusName(code) }));
  }
}

/** The SDK's own store for one service: read by the MetricProducer, written by calls. */
export class AggregatingRecorder implements CallMetricsRecorder {
  readonly methods = new Map<string, AggregatedMethodSeries>();
  private readonly base: Attributes;

  constructor(target: string, service: string) {
    this.base = { [attr.GRPC_TARGET]: target, [attr.GRPCCLIENT_SERVICE]: service };
  }

  series(metricMethod: string): AggregatedMethodSeries {
    let series = this.methods.get(metricMethod);
    if (!series) this.methods.set(metricMethod, (series = new AggregatedMethodSeries({ [attr.GRPC_METHOD]: metricMethod, ...this.base })));
    return series;
  }
}

/** Records through the OpenTelemetry API instruments (the application's MeterProvider aggregates). */
export class InstrumentRecorder implements CallMetricsRecorder {
  private readonly instruments: ClientInstruments;
  private readonly base: Attributes;
  private readonly cache = new Map<string, MethodSeries>();

  constructor(instruments: ClientInstruments, target: string, service: string) {
    this.instruments = instruments;
    this.base = { [attr.GRPC_TARGET]: target, [attr.GRPCCLIENT_SERVICE]: service };
  }

  series(metricMethod: string): MethodSeries {
    let series = this.cache.get(metricMethod);
    if (!series) this.cache.set(metricMethod, (series = this.newSeries({ [attr.GRPC_METHOD]: metricMethod, ...this.base })));
    return series;
  }

  /**
   * One frozen attribute set per (method) and per (method, status), reused by every record: the SDK keeps the
   * first one it sees as the series' key, so no one may change it afterwards.
   */
  private newSeries(base: Attributes): MethodSeries {
    const { instruments } = this;
    Object.freeze(base);
    const byStatus: Attributes[] = [];
    const withStatus = (code: Status) => (byStatus[code] ??= Object.freeze({ ...base, [attr.GRPC_STATUS]: statusName(code) }));
    return {
      attemptStarted: () => instruments.attemptStarted.add(1, base),
      attemptEnded: (code, seconds, sentBytes, rcvdBytes) => {
        const attributes = withStatus(code);
        instruments.attemptDuration.record(seconds, attributes);
        instruments.attemptSentSize.record(sentBytes, attributes);
        instruments.attemptRcvdSize.record(rcvdBytes, attributes);
      },
      callEnded: (code, seconds, retries, hedges, transparentRetries, retryDelaySeconds) => {
        instruments.callDuration.record(seconds, withStatus(code));
        if (retries > 0) {
          instruments.callRetries.record(retries, base);
          instruments.callRetryDelay.record(retryDelaySeconds, base);
        }
        if (hedges > 0) instruments.callHedges.record(hedges, base);
        if (transparentRetries > 0) instruments.callTransparentRetries.record(transparentRetries, base);
      },
    };
  }
}
