// The SDK's top load-balancing policy: it wraps every service's policy and gives each connection attempt
// connect_timeout to reach READY (grpc-js has no such limit, grpc-node #2785), then fails and abandons it.
// Its picker is also where hedges are steered to addresses their call has not used (distinct-hedges.ts),
// and where the call engine learns of the streams grpc-js opens for an attempt (attempt-streams.ts).
import { connectivityState as ConnectivityState, experimental, type ChannelOptions } from '@grpc/grpc-js';
import { ConnectAttempt, CONNECT_ATTEMPT_OPTION } from './connect-attempt.ts';
import { ConnectClock, type TimeoutObserver } from './connect-clock.ts';
import { completePick, streamObserverOf } from './attempt-streams.ts';
import { pickAvoidingUsed } from './distinct-hedges.ts';

type SubchannelInterface = experimental.SubchannelInterface;
type StateListener = experimental.ConnectivityStateListener;
const { BaseSubchannelWrapper, ChildLoadBalancerHandler, PickResultType, createChildChannelControlHelper, selectLbConfigFromList, subchannelAddressToString } = experimental;

/** The name grpc-js knows the policy by; every SDK channel's service config starts with it. */
export const CONNECT_TIMEOUT_POLICY = 'grpcclient_connect_timeout';

export class ConnectTimeoutConfig implements experimental.TypedLoadBalancingConfig {
  readonly connectTimeoutMs: number;
  readonly child: experimental.TypedLoadBalancingConfig;

  constructor(connectTimeoutMs: number, child: experimental.TypedLoadBalancingConfig) {
    this.connectTimeoutMs = connectTimeoutMs;
    this.child = child;
  }
  getLoadBalancerName(): string {
    return CONNECT_TIMEOUT_POLICY;
  }
  toJsonObject(): object {
    return { [CONNECT_TIMEOUT_POLICY]: { connect_timeout_ms: this.connectTimeoutMs, child_policy: [this.child.toJsonObject()] } };
  }
  static createFromJson(json: { connect_timeout_ms?: unknown; child_policy?: unknown }): ConnectTimeoutConfig {
    const timeout = json.connect_timeout_ms;
    if (typeof timeout !== 'number' || !(timeout > 0)) throw new Error('connect_timeout_ms must be a positive number');
    const child = Array.isArray(json.child_policy) ? selectLbConfigFromList(json.child_policy) : null;
    if (!child) throw new Error('child_policy must list a registered load-balancing policy');
    return new ConnectTimeoutConfig(timeout, child);
  }
}

/**
 * A subchannel as the child policy sees it: the real state, except that an attempt its ConnectClock
 * gave up on is reported TRANSIENT_FAILURE (with why), so policies move on instead of waiting forever.
 */
class ConnectTimeoutSubchannel extends BaseSubchannelWrapper implements TimeoutObserver {
  private readonly clock: ConnectClock;
  private readonly release: () => void;
  private readonly listeners = new Set<StateListener>();
  private reported: ConnectivityState;
  private keepaliveTime = -1;

  constructor(child: SubchannelInterface, clock: ConnectClock, release: () => void) {
    super(child);
    this.clock = clock;
    this.release = release;
    const state = child.getConnectivityState();
    // Made after the timeout, while grpc-js has not yet seen the closed socket: already failed.
    this.reported = state === ConnectivityState.CONNECTING && clock.abandonedAs ? ConnectivityState.TRANSIENT_FAILURE : state;
    child.addConnectivityStateListener(this.onChildState);
    clock.observe(this);
  }

  private readonly onChildState: StateListener = (_subchannel, _previous, next, keepaliveTime, errorMessage) => {
    this.keepaliveTime = keepaliveTime;
    // The failure grpc-js reports after we closed the socket is ours: keep saying why.
    this.report(next, next === ConnectivityState.TRANSIENT_FAILURE ? (this.clock.abandonedAs ?? errorMessage) : errorMessage);
  };

  attemptTimedOut(reason: string): void {
    this.report(ConnectivityState.TRANSIENT_FAILURE, reason);
  }

  private report(next: ConnectivityState, errorMessage: string | undefined): void {
    const previous = this.reported;
    this.reported = next;
    for (const listener of [...this.listeners]) listener(this, previous, next, this.keepaliveTime, errorMessage);
  }

  override getConnectivityState(): ConnectivityState {
    return this.reported;
  }
  override addConnectivityStateListener(listener: StateListener): void {
    this.listeners.add(listener);
  }
  override removeConnectivityStateListener(listener: StateListener): void {
    this.listeners.delete(listener);
  }
  /** What the picker hands to the channel: policies unwrap their own wrappers (grpc-js's rule). */
  unwrapped(): SubchannelInterface {
    return this.child;
  }
  protected override destroy(): void {
    super.destroy();
    this.clock.unobserve(this);
    this.child.removeConnectivityStateListener(this.onChildState);
    this.release();
  }
}

/**
 * Hands the channel the subchannel under our wrapper, steering hedges away from addresses their call used
 * and telling the call engine about the streams of its attempts (attempt-streams.ts).
 */
class UnwrappingPicker implements experimental.Picker {
  private readonly inner: experimental.Picker;
  constructor(inner: experimental.Picker) {
    this.inner = inner;
  }
  pick(args: experimental.PickArgs): experimental.PickResult {
    const observer = streamObserverOf(args.metadata);
    observer?.picked();
    const result = pickAvoidingUsed((pickArgs) => this.inner.pick(pickArgs), args, addressOf);
    if (result.pickResultType !== PickResultType.COMPLETE || !(result.subchannel instanceof ConnectTimeoutSubchannel)) return result;
    return completePick(result, result.subchannel.unwrapped(), observer);
  }
}

function addressOf(result: experimental.PickResult): string | undefined {
  return result.pickResultType === PickResultType.COMPLETE ? result.subchannel?.getAddress() : undefined;
}

export class ConnectTimeoutLoadBalancer implements experimental.LoadBalancer {
  private readonly child: InstanceType<typeof ChildLoadBalancerHandler>;
  private timeoutMs = 0;
  /**
   * One ConnectAttempt per address, kept while the address is resolved (see CONNECT_ATTEMPT_OPTION): child
   * policies destroy their subchannel wrappers before making new ones on every address update, and a new
   * object here would make grpc-js open a new connection to every address on every re-resolution.
   */
  private readonly attempts = new Map<string, { attempt: ConnectAttempt; holders: number }>();
  /** One clock per real subchannel, kept as long as grpc-js keeps the subchannel (see connect-clock.ts). */
  private readonly clocks = new WeakMap<object, ConnectClock>();

  constructor(helper: experimental.ChannelControlHelper) {
    this.child = new ChildLoadBalancerHandler(
      createChildChannelControlHelper(helper, {
        createSubchannel: (address, args) => this.createSubchannel(helper, address, args),
        updateState: (state, picker, errorMessage) => helper.updateState(state, new UnwrappingPicker(picker), errorMessage),
      }),
    );
  }

  private createSubchannel(helper: experimental.ChannelControlHelper, address: experimental.SubchannelAddress, args: ChannelOptions): SubchannelInterface {
    const key = subchannelAddressToString(address);
    let entry = this.attempts.get(key);
    if (!entry) {
      entry = { attempt: new ConnectAttempt(), holders: 0 };
      this.attempts.set(key, entry);
    }
    entry.holders += 1;
    const held = entry;
    const child = helper.createSubchannel(address, { ...args, [CONNECT_ATTEMPT_OPTION]: held.attempt });
    const real = child.getRealSubchannel();
    let clock = this.clocks.get(real);
    if (!clock) {
      clock = new ConnectClock(real, held.attempt, () => this.timeoutMs);
      this.clocks.set(real, clock);
    }
    return new ConnectTimeoutSubchannel(child, clock, () => {
      held.holders -= 1;
    });
  }

  updateAddressList(endpoints: experimental.StatusOr<experimental.Endpoint[]>, config: experimental.TypedLoadBalancingConfig, options: ChannelOptions, resolutionNote: string): boolean {
    if (!(config instanceof ConnectTimeoutConfig)) return false;
    this.timeoutMs = config.connectTimeoutMs;
    const accepted = this.child.updateAddressList(endpoints, config.child, options, resolutionNote);
    if (endpoints.ok) this.forgetAddressesOtherThan(endpoints.value);
    return accepted;
  }

  /** Drops the attempts of addresses no longer resolved and no longer held by any subchannel. */
  private forgetAddressesOtherThan(endpoints: experimental.Endpoint[]): void {
    const resolved = new Set(endpoints.flatMap((endpoint) => endpoint.addresses.map((address) => subchannelAddressToString(address))));
    for (const [key, entry] of this.attempts) if (entry.holders === 0 && !resolved.has(key)) this.attempts.delete(key);
  }
  exitIdle(): void {
    this.child.exitIdle();
  }
  resetBackoff(): void {
    this.child.resetBackoff();
  }
  destroy(): void {
    this.child.destroy();
  }
  getTypeName(): string {
    return CONNECT_TIMEOUT_POLICY;
  }
}
