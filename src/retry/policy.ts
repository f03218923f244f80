// What a failed attempt of one method may lead to, in gRFC A6 terms: nothing more (no policy), a retry
// after a backoff (retryPolicy), or further overlapping attempts (hedgingPolicy). Pure decisions; the
// call engine (call/client-call.ts) acts on them.
import { status as Status } from '@grpc/grpc-js';
import type { RetryConfig, ServiceConfig } from '../config/types.ts';

/** A6: maxAttempts above 5 are treated as 5. */
export const MAX_ATTEMPTS_CAP = 5;

/** Attempts a call may make, the first included: retry.max + 1, at most 5. */
export function maxAttempts(config: Pick<RetryConfig, 'max'>): number {
  return Math.min(config.max + 1, MAX_ATTEMPTS_CAP);
}

/** A source of uniform numbers in [0, 1); tests inject a fixed one to pin the jitter. */
export type RandomSource = () => number;

export type CallPolicy =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'retry';
      /** Attempts including the first: retry.max + 1, at most 5. */
      readonly maxAttempts: number;
      /** Codes that lead to another attempt (retryableStatusCodes). */
      isRetryableCode(code: Status): boolean;
      /** Delay before retry n (n = 1 for the first retry). */
      backoffDelay(retryNumber: number): number;
    }
  | {
      readonly kind: 'hedging';
      readonly maxAttempts: number;
      /** Codes after which the next hedge goes out at once (nonFatalStatusCodes); any other code ends the call. */
      isRetryableCode(code: Status): boolean;
      /** Time between hedges (hedgingDelay). */
      readonly delay: number;
    };

const NO_POLICY: CallPolicy = { kind: 'none' };

/**
 * A6 full jitter: retry n waits random(0, min(initial × multiplier^(n−1), max)). (The 0.8–1.2 factor
 * belongs to the connection backoff, not to call retries.)
 */
export function backoffDelay(config: Pick<RetryConfig, 'backoff' | 'multiplier' | 'max_backoff'>, retryNumber: number, random: RandomSource): number {
  const cap = Math.min(config.backoff * config.multiplier ** (retryNumber - 1), config.max_backoff);
  return random() * cap;
}

/** Method names as config lists them: "CreateOrder" or "order.v1.OrderService/CreateOrder" (with or without the leading "/"). */
function methodMatcher(names: readonly string[]): (fullMethod: string) => boolean {
  const listed = new Set(names.map((name) => name.replace(/^\//, '')));
  return (fullMethod) => listed.has(fullMethod) || listed.has(fullMethod.slice(fullMethod.lastIndexOf('/') + 1));
}

function statusSet(names: readonly string[]): Set<Status> {
  return new Set(names.map((name) => Status[name.toUpperCase() as keyof typeof Status]));
}

/**
 * The policy of each method of a service, whatever its kind: request streams are replayed within the
 * replay budget (replay-budget.ts) like unary requests. Hedged methods (hedging.methods, or all when it
 * is empty) are not retried: a method has retry or hedging, not both (A6).
 */
export function callPolicies(config: ServiceConfig, random: RandomSource): (fullMethod: string) => CallPolicy {
  const { retry, hedging } = config;
  const excluded = methodMatcher(retry.exclude_methods);
  const hedged = hedging.max_attempts > 1 ? (hedging.methods.length === 0 ? () => true : methodMatcher(hedging.methods)) : () => false;
  const retryable = statusSet(retry.retryable_codes);
  const nonFatal = statusSet(hedging.non_fatal_codes);
  const retryPolicy: CallPolicy = {
    kind: 'retry',
    maxAttempts: maxAttempts(retry),
    isRetryableCode: (code) => retryable.has(code),
    backoffDelay: (retryNumber) => backoffDelay(retry, retryNumber, random),
  };
  const hedgingPolicy: CallPolicy = {
    kind: 'hedging',
    maxAttempts: Math.min(hedging.max_attempts, MAX_ATTEMPTS_CAP),
    isRetryableCode: (code) => nonFatal.has(code),
    delay: hedging.delay,
  };
  return (fullMethod) => {
    if (hedged(fullMethod)) return hedgingPolicy;
    if (retryPolicy.maxAttempts > 1 && !excluded(fullMethod)) return retryPolicy;
    return NO_POLICY;
  };
}
