// The connectivity state of each endpoint (address:port) a channel holds a connection object for, read
// from grpc-js's channelz registry: no load-balancing-policy wrapper, so it works under any policy.
import { getChannelzHandlers, type Channel, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { ConnectivityStateName } from './connectivity.ts';

export interface EndpointState {
  /** address:port as grpc-js prints it ("127.0.0.2:50051", "[::1]:50051"). */
  readonly endpoint: string;
  readonly state: ConnectivityStateName;
}

type Handler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

/**
 * Calls one channelz handler in-process. The handlers are grpc-js's public channelz service and answer
 * synchronously from its registry; only `request` of the call object is read.
 */
function ask<T>(handler: unknown, request: Record<string, string>): T | undefined {
  let answer: T | undefined;
  (handler as Handler)({ request } as ServerUnaryCall<unknown, unknown>, (error, value) => {
    if (!error) answer = value as T;
  });
  return answer;
}

interface ChannelAnswer { channel?: { subchannel_ref?: { subchannel_id: string | number }[] } }
interface SubchannelAnswer { subchannel?: { data?: { target?: string; state?: { state?: string } } } }

/**
 * The endpoints the channel's load-balancing policy holds subchannels for, sorted by address. An endpoint
 * dropped from the resolved list disappears once the policy lets its subchannel go; an endpoint still
 * listed but unreachable shows TRANSIENT_FAILURE. Empty while the channel is idle or channelz is disabled.
 */
export function endpointStates(channel: Channel): EndpointState[] {
  const handlers = getChannelzHandlers();
  const id = String(channel.getChannelzRef().id);
  const refs = ask<ChannelAnswer>(handlers.GetChannel, { channel_id: id })?.channel?.subchannel_ref ?? [];
  const byEndpoint = new Map<string, ConnectivityStateName>();
  for (const ref of refs) {
    const data = ask<SubchannelAnswer>(handlers.GetSubchannel, { subchannel_id: String(ref.subchannel_id) })?.subchannel?.data;
    const state = data?.state?.state;
    if (data?.target && state && state !== 'UNKNOWN') byEndpoint.set(data.target, state as ConnectivityStateName);
  }
  return [...byEndpoint].map(([endpoint, state]) => ({ endpoint, state })).sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}
