// wait_for_ready per service: calls queue (up to their deadline) until a connection is READY instead of
// failing fast with UNAVAILABLE. A caller that sets waitForReady on its own metadata keeps its choice.
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';

export function waitForReadyInterceptor(): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        if (metadata.getOptions().waitForReady !== undefined) return next(metadata, listener);
        // A copy, so the caller's Metadata object (which it may reuse) is left as it was.
        const withOption = metadata.clone();
        withOption.setOptions({ ...metadata.getOptions(), waitForReady: true });
        next(withOption, listener);
      },
    });
}
