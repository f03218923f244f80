// gRFC A66/A96 per-call and per-attempt measurements, recorded from the call's telemetry state.
import type { Attributes } from '@opentelemetry/api';
import type { status as Status } from '@grpc/grpc-js';
import * as attr from '../telemetry/attributes.ts';
import type { AttemptState, CallState } from '../telemetry/call-state.ts';
import type { ClientInstruments } from '../telemetry/instruments.ts';
import { statusName } from '../telemetry/status-names.ts';

const MS_PER_S = 1_000;

const withStatusCache = new WeakMap<Attributes, Attributes[]>();
/** base + grpc.status, one object per (base, code), so recording allocates no attribute sets. */
function withStatus(base: Attributes, code: Status): Attributes {
  let byCode = withStatusCache.get(base);
  if (!byCode) withStatusCache.set(base, (byCode = []));
  return (byCode[code] ??= { ...base, [attr.GRPC_STATUS]: statusName(code) });
}

/** One base attribute set per method, shared by every call of it. */
export function baseAttributesFor(target: string, service: string): (metricMethod: string) => Attributes {
  const cache = new Map<string, Attributes>();
  return (metricMethod) => {
    let base = cache.get(metricMethod);
    if (!base) cache.set(metricMethod, (base = { [attr.GRPC_METHOD]: metricMethod, [attr.GRPC_TARGET]: target, [attr.GRPCCLIENT_SERVICE]: service }));
    return base;
  };
}

export function recordAttemptStarted(instruments: ClientInstruments, base: Attributes): void {
  instruments.attemptStarted.add(1, base);
}

export function recordAttemptEnded(instruments: ClientInstruments, base: Attributes, attempt: AttemptState): void {
  const attributes = withStatus(base, attempt.code!);
  instruments.attemptDuration.record(((attempt.endedAt ?? attempt.startedAt) - attempt.startedAt) / MS_PER_S, attributes);
  instruments.attemptSentSize.record(attempt.sentBytes, attributes);
  instruments.attemptRcvdSize.record(attempt.rcvdBytes, attributes);
}

export function recordCallEnded(instruments: ClientInstruments, base: Attributes, state: CallState, code: Status, endedAt: number): void {
  instruments.callDuration.record((endedAt - state.startedAt) / MS_PER_S, withStatus(base, code));
  const retries = state.attempts.length - 1;
  // A96: calls without retries are not recorded in either retry histogram.
  if (retries > 0) {
    instruments.callRetries.record(retries, base);
    instruments.callRetryDelay.record(retryDelayMs(state.attempts) / MS_PER_S, base);
  }
}

/** Time with no attempt running: the gaps between one attempt's end and the next one's start. */
export function retryDelayMs(attempts: readonly AttemptState[]): number {
  let total = 0;
  for (let index = 1; index < attempts.length; index++) {
    const previousEnd = attempts[index - 1]!.endedAt ?? attempts[index - 1]!.startedAt;
    total += Math.max(0, attempts[index]!.startedAt - previousEnd);
  }
  return total;
}
