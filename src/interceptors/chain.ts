// The order of the interceptor chain, written once. grpc-js runs the first interceptor outermost:
// it sees a call first on the way out and last on the way back.
import type { Interceptor } from '@grpc/grpc-js';
import type { RegisteredService } from '../channels/manager.ts';
import { deadlineInterceptor } from './deadline.ts';
import { errorContextInterceptor } from './error-context.ts';

export function interceptorChain(service: RegisteredService): Interceptor[] {
  const { config, target } = service;
  return [
    // Outermost after admission (added by the manager): every layer below, and the caller, sees the
    // enriched failure details.
    errorContextInterceptor(config.name, target.canonical),
    // Before retry, so the one deadline bounds all attempts and backoff.
    deadlineInterceptor(config.deadline, config.retry.timeout),
  ];
}
