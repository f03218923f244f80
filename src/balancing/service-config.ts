// A service's balancing config as grpc-js service-config JSON: our connect-timeout policy on top, then
// grpc-js's outlier_detection (gRFC A50) when enabled, then the configured policy.
import { experimental } from '@grpc/grpc-js';
import type { ServiceConfig } from '../config/types.ts';
import { CONNECT_TIMEOUT_POLICY, ConnectTimeoutConfig, ConnectTimeoutLoadBalancer } from './connect-timeout.ts';
import { LEAST_REQUEST_POLICY, LeastRequestConfig, LeastRequestLoadBalancer } from './least-request.ts';

let registered = false;

/** Makes our policies known to grpc-js (once per process; grpc-js's registry is global). */
export function registerBalancingPolicies(): void {
  if (registered) return;
  experimental.registerLoadBalancerType(LEAST_REQUEST_POLICY, LeastRequestLoadBalancer, LeastRequestConfig);
  experimental.registerLoadBalancerType(CONNECT_TIMEOUT_POLICY, ConnectTimeoutLoadBalancer, ConnectTimeoutConfig);
  registered = true;
}

/** The config's policy names mapped to what grpc-js registers them as. */
const POLICY_NAMES: Record<ServiceConfig['load_balancing'], string> = {
  pick_first: 'pick_first',
  round_robin: 'round_robin',
  least_request: LEAST_REQUEST_POLICY,
};

/** A duration in service-config JSON, which grpc-js's outlier_detection reads as { seconds, nanos }. */
function duration(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1_000), nanos: (ms % 1_000) * 1_000_000 };
}

/** The `loadBalancingConfig` list of the service's `grpc.service_config`. */
export function loadBalancingConfig(service: ServiceConfig): object[] {
  let policy: object = { [POLICY_NAMES[service.load_balancing]]: {} };
  const outlier = service.outlier_detection;
  if (outlier.enabled) {
    policy = {
      outlier_detection: {
        interval: duration(outlier.interval),
        base_ejection_time: duration(outlier.base_ejection_time),
        max_ejection_time: duration(outlier.max_ejection_time),
        max_ejection_percent: outlier.max_ejection_percent,
        failure_percentage_ejection: {
          threshold: outlier.failure_percentage.threshold,
          minimum_hosts: outlier.failure_percentage.minimum_hosts,
          request_volume: outlier.failure_percentage.request_volume,
          // Every host over the threshold is ejected (within max_ejection_percent); a coin toss would only delay it.
          enforcement_percentage: 100,
        },
        child_policy: [policy],
      },
    };
  }
  return [{ [CONNECT_TIMEOUT_POLICY]: { connect_timeout_ms: service.connect_timeout, child_policy: [policy] } }];
}
