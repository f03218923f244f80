// Makes a failed call say which service and which target it was for, and name TLS when the
// connection failed in the handshake: grpc-js errors carry only the status, and a log line
// "14 UNAVAILABLE: No connection established" does not say where, nor which layer broke.
import { InterceptingCall, status as Status, type Interceptor } from '@grpc/grpc-js';

/** Node's TLS errors as grpc-js passes them on in "No connection established. Last error: …". */
const TLS_FAILURE = /certificate|self[- ]signed|altnames|SSL|TLS|handshake/i;

export function errorContextInterceptor(service: string, target: string, tls: boolean): Interceptor {
  const suffix = ` [service ${service}, target ${target}]`;
  const describe = (code: Status, details: string) => {
    const tlsFailure = tls && code === Status.UNAVAILABLE && TLS_FAILURE.test(details) && !details.startsWith('TLS');
    return (tlsFailure ? `TLS handshake failed: ${details}` : details) + suffix;
  };
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) => {
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            nextStatus(status.code === Status.OK ? status : { ...status, details: describe(status.code, status.details) });
          },
        });
      },
    });
}
