// Which request metadata may appear in telemetry: credentials and cookies never do, nor any key the
// config lists; binary (-bin) values are skipped, and so are the headers the SDK adds itself.
import type { Metadata } from '@grpc/grpc-js';
import { ROUTING_HEADER } from '../balancing/distinct-hedges.ts';

/** Always redacted, whatever the config says. */
export const ALWAYS_REDACTED = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];
export const REDACTED = '[REDACTED]';

/** Headers the SDK writes itself (trace context, and the hedge-routing header its picker removes): not the caller's. */
const SDK_KEYS = new Set(['traceparent', 'tracestate', 'baggage', 'x-trace-id', ROUTING_HEADER]);

/** The redacted keys of each configured list, built once per list instead of once per call. */
const redactedSets = new WeakMap<readonly string[], Set<string>>();

/** key → value for telemetry, sensitive values replaced by "[REDACTED]". */
export function metadataForTelemetry(metadata: Metadata, extraRedacted: readonly string[]): Record<string, string> {
  let redacted = redactedSets.get(extraRedacted);
  if (!redacted) redactedSets.set(extraRedacted, (redacted = new Set([...ALWAYS_REDACTED, ...extraRedacted.map((key) => key.toLowerCase())])));
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (key.endsWith('-bin') || SDK_KEYS.has(key)) continue;
    result[key] = redacted.has(key) ? REDACTED : String(value);
  }
  return result;
}
