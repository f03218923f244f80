// Server pushback (gRFC A6): the trailer grpc-retry-pushback-ms tells the client when, or whether, to retry.
import type { Metadata } from '@grpc/grpc-js';

export const PUSHBACK_TRAILER = 'grpc-retry-pushback-ms';

/** What the server asked for: nothing, an exact delay before the next attempt, or no retry at all. */
export type Pushback = { kind: 'none' } | { kind: 'delay'; ms: number } | { kind: 'stop' };

export function readPushback(trailers: Metadata | undefined): Pushback {
  const values = trailers?.get(PUSHBACK_TRAILER) ?? [];
  if (values.length === 0) return { kind: 'none' };
  const text = String(values[0]).trim();
  // Only a non-negative integer is a delay; a negative or unparseable value means "do not retry".
  return /^\d+$/.test(text) ? { kind: 'delay', ms: Number(text) } : { kind: 'stop' };
}
