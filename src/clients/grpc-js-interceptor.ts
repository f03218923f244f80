// The migration front door: grpc-js client classes made by manager.getClient() get one interceptor,
// which hands each call to the call engine. grpc-js then talks to the engine as it would to its own
// bottom call, so these clients get the same deadline, retry, hedging and telemetry as the promise clients.
import type { InterceptingCall, Interceptor } from '@grpc/grpc-js';
import { ClientCall } from '../call/client-call.ts';
import type { ServiceCalls } from '../call/service-calls.ts';

export function callEngineInterceptor(service: ServiceCalls): Interceptor {
  return (options) =>
    // ClientCall has the whole call interface grpc-js uses on what an interceptor returns; the cast is only
    // because InterceptingCall is a class, not an interface, in grpc-js's types.
    new ClientCall(service, options.method_definition, {
      deadline: options.deadline,
      parent: options.parent,
      propagateFlags: options.propagate_flags,
      host: options.host,
      credentials: options.credentials,
    }) as unknown as InterceptingCall;
}
