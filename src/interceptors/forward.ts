// For layers that only rewrite a call's options: hand back the next layer's call itself instead of
// wrapping it in an InterceptingCall that forwards every operation. grpc-js uses only the call
// interface of what an interceptor returns, and each wrapper costs several allocations per call.
import type { InterceptingCall } from '@grpc/grpc-js';

/** What nextCall() returns; grpc-js does not export the interface by name. */
type NextCall = ConstructorParameters<typeof InterceptingCall>[0];

export function forwardTo(next: NextCall): InterceptingCall {
  return next as InterceptingCall;
}
