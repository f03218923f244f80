// Channel-level metrics of a ConnectionManager: connection events (gRFC A94 names) derived from its
// state changes, a connectivity-state gauge per service and per endpoint, and an info gauge carrying each
// service's effective retry, keepalive and TLS settings. The gauges are the SDK's own (grpcclient prefix).
import type { Attributes, Meter } from '@opentelemetry/api';
import type { ConnectionManager, StateChange } from '../channels/manager.ts';
import type { ConnectivityStateName } from '../channels/connectivity.ts';
import { effectiveKeepaliveTime } from '../channels/options.ts';
import { endpointStates, type EndpointState } from '../channels/endpoint-states.ts';
import type { ServiceConfig } from '../config/types.ts';
import { maxAttempts } from '../retry/policy.ts';
import { formatDuration } from '../config/duration.ts';
import { GRPCCLIENT_SERVICE, GRPC_TARGET, SDK_PREFIX } from './attributes.ts';
import type { ClientInstruments } from './instruments.ts';

export const STATE_GAUGE = `${SDK_PREFIX}.channel.state`;
export const INFO_GAUGE = `${SDK_PREFIX}.channel.info`;
export const ENDPOINT_STATE_GAUGE = `${SDK_PREFIX}.endpoint.state`;
export const STATE_ATTRIBUTE = 'state';
export const ENDPOINT_ATTRIBUTE = 'endpoint';
/**
 * Endpoints reported one by one per service at a time: 32 covers a typical replica set while keeping a
 * service at most 33 x 5 live series. Beyond it endpoints are summed into endpoint="other".
 */
export const MAX_ENDPOINTS_PER_SERVICE = 32;
/**
 * The OpenTelemetry JS SDK keeps reporting every attribute set an asynchronous gauge ever observed
 * (cumulative temporality), so each endpoint that had series of its own keeps them, at 0, until the
 * process ends. Endpoints past this many distinct ones per service go to endpoint="other" for good,
 * which bounds what replica churn (new pod addresses on every rollout) can add.
 */
export const MAX_NAMED_ENDPOINTS_PER_SERVICE = 256;
export const OTHER_ENDPOINTS = 'other';
export const STATES: readonly ConnectivityStateName[] = ['IDLE', 'CONNECTING', 'READY', 'TRANSIENT_FAILURE', 'SHUTDOWN'];

/** Counts connection events from state changes; returns a function that stops listening. */
export function countConnectionEvents(manager: ConnectionManager, instruments: ClientInstruments): () => void {
  const onState = ({ service, target, previous, current }: StateChange) => {
    const attributes = { [GRPC_TARGET]: target, [GRPCCLIENT_SERVICE]: service };
    if (current === 'READY' && previous !== 'READY') {
      instruments.connectionAttemptsSucceeded.add(1, attributes);
      instruments.openConnections.add(1, attributes);
    }
    if (previous === 'CONNECTING' && current === 'TRANSIENT_FAILURE') instruments.connectionAttemptsFailed.add(1, attributes);
    if (previous === 'READY' && current !== 'READY') {
      instruments.openConnections.add(-1, attributes);
      instruments.disconnections.add(1, attributes);
    }
  };
  manager.on('state', onState);
  return () => manager.off('state', onState);
}

/** Registers the state and info gauges; read at collection time, so they cost nothing between scrapes. */
export function observeChannels(meter: Meter, manager: ConnectionManager): () => void {
  const state = meter.createObservableGauge(STATE_GAUGE, {
    unit: '{state}',
    description: 'Connectivity state of each configured service channel: 1 for the current state, 0 for the others.',
  });
  const info = meter.createObservableGauge(INFO_GAUGE, {
    unit: '1',
    description: "Always 1; the attributes carry the service's effective retry, keepalive and TLS settings.",
  });
  const observeState = (result: { observe(value: number, attributes: Attributes): void }) => {
    for (const name of manager.serviceNames()) {
      const current = manager.state(name);
      const base = { [GRPCCLIENT_SERVICE]: name, [GRPC_TARGET]: manager.service(name).target.canonical };
      for (const candidate of STATES) result.observe(candidate === current ? 1 : 0, { ...base, [STATE_ATTRIBUTE]: candidate });
    }
  };
  const observeInfo = (result: { observe(value: number, attributes: Attributes): void }) => {
    for (const name of manager.serviceNames()) {
      const service = manager.service(name);
      result.observe(1, { [GRPCCLIENT_SERVICE]: name, [GRPC_TARGET]: service.target.canonical, ...settingsAttributes(service.config) });
    }
  };
  state.addCallback(observeState);
  info.addCallback(observeInfo);
  const stopEndpoints = observeEndpoints(meter, manager);
  return () => {
    state.removeCallback(observeState);
    info.removeCallback(observeInfo);
    stopEndpoints();
  };
}

/**
 * The endpoint state gauge: per service, each endpoint (address:port) its channel holds a subchannel
 * for, 1 for its current state and 0 for the others. An endpoint the load-balancing policy let go (it
 * left the resolved set) reads 0 in every state. Past the caps above, endpoint="other" counts the
 * endpoints in each state.
 */
export function observeEndpoints(meter: Meter, manager: ConnectionManager): () => void {
  const gauge = meter.createObservableGauge(ENDPOINT_STATE_GAUGE, {
    unit: '{state}',
    description: `Connectivity state of each endpoint of a service channel: 1 for the current state, 0 for the others (0 in all: gone); endpoint="${OTHER_ENDPOINTS}" counts endpoints past the caps in each state.`,
  });
  const series = new Map<string, EndpointSeries>();
  const observe = (result: Observer) => {
    for (const name of manager.serviceNames()) {
      const { channel, target } = manager.service(name);
      if (!channel) continue;
      if (!series.has(name)) series.set(name, new EndpointSeries({ [GRPCCLIENT_SERVICE]: name, [GRPC_TARGET]: target.canonical }));
      series.get(name)!.observe(endpointStates(channel), result);
    }
  };
  gauge.addCallback(observe);
  return () => gauge.removeCallback(observe);
}

/** The settings as they take effect (caps and minimums applied), not as written. */
export function settingsAttributes(config: ServiceConfig): Attributes {
  const { retry, keepalive } = config;
  const keepaliveTime = effectiveKeepaliveTime(config);
  return {
    [`${SDK_PREFIX}.retry.max_attempts`]: maxAttempts(retry),
    [`${SDK_PREFIX}.retry.initial_backoff`]: formatDuration(retry.backoff),
    [`${SDK_PREFIX}.retry.max_backoff`]: formatDuration(retry.max_backoff),
    [`${SDK_PREFIX}.retry.backoff_multiplier`]: retry.multiplier,
    [`${SDK_PREFIX}.retry.retryable_codes`]: retry.retryable_codes.map((code) => code.toUpperCase()).join(','),
    [`${SDK_PREFIX}.keepalive.time`]: keepaliveTime === 0 ? 'off' : formatDuration(keepaliveTime),
    [`${SDK_PREFIX}.keepalive.timeout`]: formatDuration(keepalive.timeout),
    [`${SDK_PREFIX}.keepalive.without_calls`]: keepalive.permit_without_calls,
    [`${SDK_PREFIX}.reconnect.initial_backoff`]: formatDuration(config.reconnect.initial_backoff),
    [`${SDK_PREFIX}.reconnect.max_backoff`]: formatDuration(config.reconnect.max_backoff),
    [`${SDK_PREFIX}.wait_for_ready`]: config.wait_for_ready,
    [`${SDK_PREFIX}.tls`]: config.tls.enabled,
  };
}

type Observer = { observe(value: number, attributes: Attributes): void };

/** One service's endpoint series: which endpoints have series of their own, and what they read now. */
export class EndpointSeries {
  private readonly base: Attributes;
  /** Endpoints that have had series of their own (the SDK keeps those series). */
  private readonly named = new Set<string>();
  private otherReported = false;

  constructor(base: Attributes) {
    this.base = base;
  }

  observe(endpoints: EndpointState[], result: Observer): void {
    const own = new Map<string, ConnectivityStateName>();
    const rest: ConnectivityStateName[] = [];
    for (const { endpoint, state } of endpoints) {
      const room = own.size < MAX_ENDPOINTS_PER_SERVICE && (this.named.has(endpoint) || this.named.size < MAX_NAMED_ENDPOINTS_PER_SERVICE);
      if (room) {
        this.named.add(endpoint);
        own.set(endpoint, state);
      } else {
        rest.push(state);
      }
    }
    for (const endpoint of this.named) {
      const current = own.get(endpoint);
      for (const candidate of STATES) result.observe(candidate === current ? 1 : 0, { ...this.base, [ENDPOINT_ATTRIBUTE]: endpoint, [STATE_ATTRIBUTE]: candidate });
    }
    if (rest.length === 0 && !this.otherReported) return;
    this.otherReported = true;
    for (const candidate of STATES) {
      const count = rest.filter((state) => state === candidate).length;
      result.observe(count, { ...this.base, [ENDPOINT_ATTRIBUTE]: OTHER_ENDPOINTS, [STATE_ATTRIBUTE]: candidate });
    }
  }
}
