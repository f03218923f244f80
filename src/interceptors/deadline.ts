// Gives every call a deadline: the caller's own, else the service default, bounded by the retry budget.
// It sits outside the retry interceptor so one deadline covers every attempt and every backoff.
import type { Deadline, Interceptor } from '@grpc/grpc-js';
import { forwardTo } from './forward.ts';

export function deadlineInterceptor(defaultDeadlineMs: number, retryBudgetMs: number): Interceptor {
  return (options, nextCall) => {
    const now = Date.now();
    let deadline: Deadline | undefined = options.deadline;
    if ((deadline === undefined || deadline === Infinity) && defaultDeadlineMs > 0) deadline = now + defaultDeadlineMs;
    if (retryBudgetMs > 0) deadline = Math.min(deadlineMillis(deadline ?? Infinity), now + retryBudgetMs);
    return forwardTo(nextCall(deadline === undefined ? options : { ...options, deadline }));
  };
}

/** A grpc-js deadline (Date or epoch milliseconds) as epoch milliseconds. */
export function deadlineMillis(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
