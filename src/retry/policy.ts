// The retry policy of one service, in gRFC A6 terms: how many attempts, which codes, which methods,
// and how long to wait before each retry. Pure decisions; the retry interceptor acts on them.
import { status as Status } from '@grpc/grpc-js';
import type { RetryConfig } from '../config/types.ts';

/** A6: maxAttempts above 5 are treated as 5. */
export const MAX_ATTEMPTS_CAP = 5;

/** Attempts a call may make, the first included: retry.max + 1, at most 5. */
export function maxAttempts(config: Pick<RetryConfig, 'max'>): number {
  return Math.min(config.max + 1, MAX_ATTEMPTS_CAP);
}

/** A source of uniform numbers in [0, 1); tests inject a fixed one to pin the jitter. */
export type RandomSource = () => number;

export interface RetryPolicy {
  /** Attempts including the first: retry.max + 1, at most 5. */
  readonly maxAttempts: number;
  isRetryableCode(code: Status): boolean;
  /** False for methods listed in exclude_methods (non-idempotent writes). */
  allowsMethod(fullMethod: string): boolean;
  /** Delay before retry n (n = 1 for the first retry): min(backoff * multiplier^(n-1), max_backoff) * jitter 0.8-1.2. */
  backoffDelay(retryNumber: number): number;
}

export function retryPolicy(config: RetryConfig, random: RandomSource = Math.random): RetryPolicy {
  const codes = new Set(config.retryable_codes.map((name) => Status[name.toUpperCase() as keyof typeof Status]));
  const excluded = new Set(config.exclude_methods.map((name) => name.replace(/^\//, '')));
  return {
    maxAttempts: maxAttempts(config),
    isRetryableCode: (code) => codes.has(code),
    allowsMethod: (fullMethod) => {
      const shortName = fullMethod.slice(fullMethod.lastIndexOf('/') + 1);
      return !excluded.has(fullMethod) && !excluded.has(shortName);
    },
    backoffDelay: (retryNumber) => {
      const base = Math.min(config.backoff * config.multiplier ** (retryNumber - 1), config.max_backoff);
      return Math.round(base * (0.8 + 0.4 * random()));
    },
  };
}
