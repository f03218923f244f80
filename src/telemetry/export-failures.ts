// Failed exports are not silent: each exporter is wrapped to see its results, every failure is counted
// (grpcclient.telemetry.export.failures, by signal and exporter) and a warn line is written per exporter
// at most once a minute, so a collector that is down shows in the logs without flooding them.
import type { Counter } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { SDK_PREFIX } from './attributes.ts';

export const EXPORT_FAILURES = `${SDK_PREFIX}.telemetry.export.failures`;
/** One line a minute tells an operator the collector is unreachable; one per batch would drown the service's own logs. */
const WARN_EVERY_MS = 60_000;

export type Signal = 'traces' | 'metrics';

export interface ExportFailures {
  /** Starts counting into this meter's counter (made once the SDK's meter provider exists). */
  countWith(counter: Counter): void;
  spans(exporter: SpanExporter, name: string): SpanExporter;
  metrics(exporter: PushMetricExporter, name: string): PushMetricExporter;
  /** True for the error of a failed export already counted here (a processor's flush rejects with that same error). */
  reported(error: unknown): boolean;
}

export interface ExportFailureOptions {
  warn(message: string): void;
  /** Milliseconds; injectable so the once-a-minute rule is testable. */
  now?: () => number;
}

export function exportFailures(options: ExportFailureOptions): ExportFailures {
  const now = options.now ?? Date.now;
  const lastWarned = new Map<string, number>();
  const seen = new WeakSet<object>();
  let counter: Counter | undefined;
  const observe = (signal: Signal, name: string, result: ExportResult) => {
    if (result.code === ExportResultCode.SUCCESS) return;
    if (result.error) seen.add(result.error);
    counter?.add(1, { signal, exporter: name });
    const key = `${signal}/${name}`;
    const last = lastWarned.get(key);
    if (last !== undefined && now() - last < WARN_EVERY_MS) return;
    lastWarned.set(key, now());
    options.warn(`OpenTelemetry ${signal} export (${name}) failed: ${result.error?.message ?? 'no reason given'}; further failures of this exporter are counted in ${EXPORT_FAILURES} and reported at most once a minute`);
  };
  return {
    countWith(created) {
      counter = created;
    },
    reported: (error) => typeof error === 'object' && error !== null && seen.has(error),
    spans: (exporter, name) => ({
      export: (spans, done) => exporter.export(spans, (result) => (observe('traces', name, result), done(result))),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    }),
    metrics(exporter, name) {
      const wrapped: PushMetricExporter = {
        export: (metrics, done) => exporter.export(metrics, (result) => (observe('metrics', name, result), done(result))),
        shutdown: () => exporter.shutdown(),
        forceFlush: () => exporter.forceFlush(),
      };
      // The reader asks the exporter for temporality and aggregation only when it offers them.
      if (exporter.selectAggregationTemporality) wrapped.selectAggregationTemporality = exporter.selectAggregationTemporality.bind(exporter);
      if (exporter.selectAggregation) wrapped.selectAggregation = exporter.selectAggregation.bind(exporter);
      return wrapped;
    },
  };
}
