// Makes a failed call say which service and which target it was for: grpc-js errors carry only the
// status, and a log line "14 UNAVAILABLE: No connection established" does not say where.
import { InterceptingCall, status as Status, type Interceptor } from '@grpc/grpc-js';

export function errorContextInterceptor(service: string, target: string): Interceptor {
  const suffix = ` [service ${service}, target ${target}]`;
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            nextStatus(status.code === Status.OK ? status : { ...status, details: status.details + suffix });
          },
        });
      },
    });
}
