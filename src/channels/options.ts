// Maps a service's config onto grpc-js channel options: grpc-js does keepalive, reconnect backoff,
// load balancing and message limits itself; we only configure it (and plug in our balancing policies).
import type { ChannelOptions } from '@grpc/grpc-js';
import type { ServiceConfig } from '../config/types.ts';
import { MIN_RESOLVE_INTERVAL_OPTION, RESOLVE_INTERVAL_OPTION } from './resolver-dns.ts';
import { loadBalancingConfig, registerBalancingPolicies } from '../balancing/service-config.ts';
import { SCHEDULER_OPTION, type PolicyScheduler } from '../balancing/least-request.ts';

/** gRFC A8: clients raise keepalive times under 10 s to 10 s so servers do not answer with too_many_pings. */
export const MIN_KEEPALIVE_TIME_MS = 10_000;

/** The keepalive interval actually used: 0 (off) or at least 10 s. */
export function effectiveKeepaliveTime(service: ServiceConfig): number {
  const { time } = service.keepalive;
  return time === 0 ? 0 : Math.max(time, MIN_KEEPALIVE_TIME_MS);
}

/** `scheduler` is the call engine's (the manager passes it): least_request reads its clock and randomness there too. */
export function channelOptions(service: ServiceConfig, scheduler?: PolicyScheduler): ChannelOptions {
  registerBalancingPolicies();
  const keepaliveTime = effectiveKeepaliveTime(service);
  const options: ChannelOptions = {
    // Retries and hedges are the call engine's (call/client-call.ts), so every attempt is observed and
    // none is made twice: grpc-js makes one attempt per engine attempt, whatever service config a
    // resolver brings (xDS routes carry retry policies). grpc-js's retries stay on for what only it can
    // do: a transparent retry (gRFC A6) of a stream refused before the server's application saw it.
    'grpc-node.retry_max_attempts_limit': 1,
    // Balancing, outlier ejection and the connect timeout (see balancing/service-config.ts).
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: loadBalancingConfig(service) }),
    'grpc.max_receive_message_length': service.max_receive_message_size,
    'grpc.max_send_message_length': service.max_send_message_size,
    'grpc.initial_reconnect_backoff_ms': service.reconnect.initial_backoff,
    'grpc.max_reconnect_backoff_ms': service.reconnect.max_backoff,
    'grpc.client_idle_timeout_ms': service.idle_timeout,
    // Each configured service gets a channel of its own, even when two share an address, so their
    // settings and their state gauges stay independent.
    'grpc.use_local_subchannel_pool': 1,
    // Read by the SDK's DNS resolver (resolver-dns.ts); grpc-js's own resolvers ignore it.
    [RESOLVE_INTERVAL_OPTION]: service.resolve_interval,
    [MIN_RESOLVE_INTERVAL_OPTION]: service.min_resolve_interval,
  };
  if (scheduler) options[SCHEDULER_OPTION] = scheduler;
  if (keepaliveTime > 0) {
    options['grpc.keepalive_time_ms'] = keepaliveTime;
    options['grpc.keepalive_timeout_ms'] = service.keepalive.timeout;
    options['grpc.keepalive_permit_without_calls'] = service.keepalive.permit_without_calls ? 1 : 0;
  }
  if (service.tls.enabled && service.tls.server_name) {
    options['grpc.ssl_target_name_override'] = service.tls.server_name;
  }
  return options;
}
