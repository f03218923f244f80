// Hands the SDK's pre-aggregated call metrics (call-metrics.ts) to OpenTelemetry at collection time,
// through its MetricProducer extension point: every metric reader the SDK starts (Prometheus, OTLP)
// is given this producer, so recording a call costs a few additions instead of five attribute hashes.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type Histogram, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { SDK_PREFIX } from './attributes.ts';
import type { AggregatingRecorder, BucketHistogram } from './call-metrics.ts';
import * as spec from './instruments.ts';

function hrTimeOf(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

interface Registered {
  recorder: AggregatingRecorder;
  startTime: HrTime;
}

export class CallMetricsProducer implements MetricProducer {
  private readonly registered = new Set<Registered>();

  /** Reports `recorder` from now on (cumulative since now); returns a function that stops it. */
  add(recorder: AggregatingRecorder): () => void {
    const entry = { recorder, startTime: hrTimeOf(Date.now()) };
    this.registered.add(entry);
    return () => this.registered.delete(entry);
  }

  async collect(): Promise<CollectionResult> {
    const endTime = hrTimeOf(Date.now());
    const started: DataPoint<number>[] = [];
    const histograms = new Map<spec.InstrumentSpec, DataPoint<Histogram>[]>();
    const add = (instrument: spec.InstrumentSpec, attributes: Attributes, histogram: BucketHistogram, startTime: HrTime) => {
      if (histogram.count === 0) return;
      let points = histograms.get(instrument);
      if (!points) histograms.set(instrument, (points = []));
      points.push({ attributes, startTime, endTime, value: histogramValue(histogram) });
    };
    for (const { recorder, startTime } of this.registered) {
      for (const method of recorder.methods.values()) {
        if (method.attemptsStarted > 0) started.push({ attributes: method.attributes, startTime, endTime, value: method.attemptsStarted });
        add(spec.CALL_RETRIES, method.attributes, method.retries, startTime);
        add(spec.CALL_HEDGES, method.attributes, method.hedges, startTime);
        add(spec.CALL_TRANSPARENT_RETRIES, method.attributes, method.transparentRetries, startTime);
        add(spec.CALL_RETRY_DELAY, method.attributes, method.retryDelay, startTime);
        for (const status of method.byStatus) {
          if (!status) continue;
          add(spec.ATTEMPT_DURATION, status.attributes, status.attemptDuration, startTime);
          add(spec.ATTEMPT_SENT_SIZE, status.attributes, status.attemptSent, startTime);
          add(spec.ATTEMPT_RCVD_SIZE, status.attributes, status.attemptRcvd, startTime);
          add(spec.CALL_DURATION, status.attributes, status.callDuration, startTime);
        }
      }
    }
    const metrics: MetricData[] = [];
    if (started.length > 0) {
      metrics.push({
        descriptor: descriptor(spec.ATTEMPT_STARTED),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: started,
      });
    }
    for (const [instrument, dataPoints] of histograms) {
      metrics.push({ descriptor: descriptor(instrument), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM, dataPoints });
    }
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: metrics.length > 0 ? [{ scope: { name: SDK_PREFIX }, metrics }] : [] }, errors: [] };
  }
}

function descriptor(instrument: spec.InstrumentSpec) {
  return { name: instrument.name, description: instrument.description, unit: instrument.unit, valueType: ValueType.DOUBLE };
}

function histogramValue(histogram: BucketHistogram): Histogram {
  return {
    buckets: { boundaries: [...histogram.boundaries], counts: [...histogram.counts] },
    sum: histogram.sum,
    count: histogram.count,
    min: histogram.min,
    max: histogram.max,
  };
}

/** One producer per process, like the OpenTelemetry providers it feeds; every init() adds its services. */
export const callMetricsProducer = new CallMetricsProducer();
