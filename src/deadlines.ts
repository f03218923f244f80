// Deadline propagation for services that call other services: an outgoing call made while serving an
// incoming one must not outlive it, so it gets the incoming call's remaining deadline (and its cancellation).
import type { CallOptions, Deadline } from '@grpc/grpc-js';

/** Any grpc-js server call (unary or streaming), as grpc-js accepts it for `parent`. */
export type IncomingCall = NonNullable<CallOptions['parent']>;

export interface DeadlineFromOptions {
  /**
   * Milliseconds kept back for the incoming handler itself to answer after the outgoing call ends
   * (default 0: the outgoing call may use all the remaining time).
   */
  reserveMs?: number;
}

/**
 * Call options for an outgoing call made on behalf of `incoming`: its deadline is the earlier of the
 * caller's own (in `options`) and what remains of the incoming call's, and it is cancelled when the
 * incoming call is (grpc-js `parent`). With neither deadline set, the service's default deadline applies.
 *
 *   client.getUser(request, deadlineFrom(call), callback)
 */
export function deadlineFrom(incoming: IncomingCall, options: CallOptions & DeadlineFromOptions = {}): CallOptions {
  const { reserveMs = 0, ...callOptions } = options;
  const inherited = deadlineMillis(incoming.getDeadline()) - reserveMs;
  const own = callOptions.deadline === undefined ? Infinity : deadlineMillis(callOptions.deadline);
  const deadline = Math.min(inherited, own);
  return { ...callOptions, parent: incoming, ...(Number.isFinite(deadline) ? { deadline } : {}) };
}

/** Milliseconds left before the incoming call's deadline; Infinity when it has none. */
export function remainingMs(incoming: IncomingCall): number {
  return deadlineMillis(incoming.getDeadline()) - Date.now();
}

/** A grpc-js deadline (Date or epoch milliseconds) as epoch milliseconds. */
function deadlineMillis(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
