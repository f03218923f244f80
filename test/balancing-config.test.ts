// Config of balancing, outlier ejection and connect_timeout: defaults, checks, and the service config grpc-js gets.
import test from 'ava';
import { experimental } from '@grpc/grpc-js';
import { ConfigError, loadConfig, type ServiceConfig } from '../src/index.ts';
import { loadBalancingConfig, registerBalancingPolicies } from '../src/balancing/service-config.ts';

const service = (fields: Record<string, unknown>) => ({ grpc_clients: { services: [{ name: 'book-service', address: 'localhost:9002', ...fields }] } });
const load = (fields: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): ServiceConfig => loadConfig(service(fields), { env }).services[0]!;

function problemsOf(fields: Record<string, unknown>): string[] {
  try {
    loadConfig(service(fields), { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.reason}`);
    throw error;
  }
  throw new Error('config was accepted');
}

test('defaults: pick_first, a 20s connect timeout (gRPC MIN_CONNECT_TIMEOUT), outlier ejection off with A50 values', (t) => {
  const config = load({});
  t.is(config.load_balancing, 'pick_first');
  t.is(config.connect_timeout, 20_000);
  t.deepEqual(config.outlier_detection, {
    enabled: false,
    interval: 10_000,
    base_ejection_time: 30_000,
    max_ejection_time: 300_000,
    max_ejection_percent: 10,
    failure_percentage: { threshold: 85, minimum_hosts: 3, request_volume: 50 },
  });
});

test('least_request is a load_balancing value, also through the environment', (t) => {
  t.is(load({ load_balancing: 'least_request' }).load_balancing, 'least_request');
  t.is(load({}, { GRPC_CLIENTS_BOOK_SERVICE_LOAD_BALANCING: 'least_request' }).load_balancing, 'least_request');
  t.regex(problemsOf({ load_balancing: 'p2c' })[0]!, /^grpc_clients\.services\[0\]\.load_balancing: "p2c" must be one of the possible values: \["pick_first","round_robin","least_request"\]/);
});

test('outlier ejection with pick_first is refused, naming the field and why', (t) => {
  t.deepEqual(problemsOf({ outlier_detection: { enabled: true } }), [
    'grpc_clients.services[0].outlier_detection.enabled: needs load_balancing round_robin or least_request (pick_first sends every call to one address, so there is nothing to eject)',
  ]);
});

test('outlier ejection values are checked: percentages in 0-100, max_ejection_time not below base_ejection_time', (t) => {
  const problems = problemsOf({
    load_balancing: 'round_robin',
    outlier_detection: { enabled: true, base_ejection_time: '1m', max_ejection_time: '30s', max_ejection_percent: 150, failure_percentage: { threshold: -1 } },
  });
  t.deepEqual(problems.sort(), [
    'grpc_clients.services[0].outlier_detection.failure_percentage.threshold: -1 must be a percentage from 0 to 100',
    'grpc_clients.services[0].outlier_detection.max_ejection_percent: 150 must be a percentage from 0 to 100',
    'grpc_clients.services[0].outlier_detection.max_ejection_time: must not be below outlier_detection.base_ejection_time',
  ]);
});

test('connect_timeout takes a duration and must be positive', (t) => {
  t.is(load({ connect_timeout: '500ms' }).connect_timeout, 500);
  t.is(load({}, { GRPC_CLIENTS_BOOK_SERVICE_CONNECT_TIMEOUT: '3s' }).connect_timeout, 3_000);
  t.regex(problemsOf({ connect_timeout: '0s' })[0]!, /^grpc_clients\.services\[0\]\.connect_timeout: "0s" must be at least 1ms/);
});

test('every service gets the connect-timeout policy on top of its configured policy', (t) => {
  registerBalancingPolicies();
  const json = loadBalancingConfig(load({ connect_timeout: '2s', load_balancing: 'round_robin' }));
  t.deepEqual(json, [{ grpcclient_connect_timeout: { connect_timeout_ms: 2_000, child_policy: [{ round_robin: {} }] } }]);
  t.deepEqual(experimental.parseLoadBalancingConfig(json[0] as never).toJsonObject(), json[0]!, 'grpc-js accepts it as it is');
});

test('outlier ejection becomes grpc-js outlier_detection around the policy, with every configured value, and grpc-js accepts it', (t) => {
  registerBalancingPolicies();
  const config = load({
    load_balancing: 'least_request',
    outlier_detection: { enabled: true, interval: '1.5s', base_ejection_time: '2s', max_ejection_time: '1m', max_ejection_percent: 34, failure_percentage: { threshold: 60, minimum_hosts: 2, request_volume: 20 } },
  });
  const parsed = experimental.parseLoadBalancingConfig(loadBalancingConfig(config)[0] as never).toJsonObject() as Record<string, { child_policy: object[] }>;
  t.deepEqual(parsed['grpcclient_connect_timeout']!.child_policy, [{
    outlier_detection: {
      interval: { seconds: 1, nanos: 500_000_000 },
      base_ejection_time: { seconds: 2, nanos: 0 },
      max_ejection_time: { seconds: 60, nanos: 0 },
      max_ejection_percent: 34,
      success_rate_ejection: undefined,
      failure_percentage_ejection: { threshold: 60, enforcement_percentage: 100, minimum_hosts: 2, request_volume: 20 },
      child_policy: [{ grpcclient_least_request: {} }],
    },
  }]);
});
