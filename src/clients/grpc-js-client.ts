// The migration front door: grpc-js client classes made by manager.getClient(). Each gets one interceptor,
// which hands each call to the call engine (grpc-js then talks to the engine as it would to its own bottom
// call, so these clients get the same deadline, retry, hedging and telemetry as the promise clients), and a
// view of the service's shared channel whose close() releases that one client, not the channel.
import { status as Status, type ChannelInterface, type InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { ClientCall } from '../call/client-call.ts';
import type { ServiceCalls } from '../call/service-calls.ts';

/**
 * What a grpc-js client made by getClient() holds as its channel: the service's shared channel, except that
 * close() (grpc-js Client.close() calls it) releases only this client; its later calls fail UNAVAILABLE.
 */
export class SharedChannelView implements ChannelInterface {
  private readonly channel: ChannelInterface;
  private readonly onRelease: () => void;
  /** Why calls are refused, once close() released this client. */
  refusal: string | undefined;

  constructor(channel: ChannelInterface, onRelease: () => void) {
    this.channel = channel;
    this.onRelease = onRelease;
  }

  close(): void {
    if (this.refusal !== undefined) return;
    this.refusal = 'this client was closed (close() released it; the channel stays open for the service\'s other clients)';
    this.onRelease();
  }

  getTarget(): string {
    return this.channel.getTarget();
  }

  getConnectivityState(tryToConnect: boolean): ReturnType<ChannelInterface['getConnectivityState']> {
    return this.channel.getConnectivityState(tryToConnect);
  }

  watchConnectivityState(...args: Parameters<ChannelInterface['watchConnectivityState']>): void {
    this.channel.watchConnectivityState(...args);
  }

  getChannelzRef(): ReturnType<ChannelInterface['getChannelzRef']> {
    return this.channel.getChannelzRef();
  }

  createCall(...args: Parameters<ChannelInterface['createCall']>): ReturnType<ChannelInterface['createCall']> {
    return this.channel.createCall(...args);
  }
}

export function callEngineInterceptor(service: ServiceCalls, view: SharedChannelView): Interceptor {
  return (options) =>
    // ClientCall has the whole call interface grpc-js uses on what an interceptor returns; the cast is only
    // because InterceptingCall is a class, not an interface, in grpc-js's types.
    new ClientCall(service, options.method_definition, {
      deadline: options.deadline,
      parent: options.parent,
      propagateFlags: options.propagate_flags,
      host: options.host,
      credentials: options.credentials,
      refusal: view.refusal === undefined ? undefined : { code: Status.UNAVAILABLE, details: `${service.name} (${service.target}): ${view.refusal}` },
    }) as unknown as InterceptingCall;
}
