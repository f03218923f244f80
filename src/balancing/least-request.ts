// The least_request load-balancing policy for grpc-js: one connection per endpoint (like round_robin),
// and each call goes to the cheaper of two random READY endpoints by latency × calls in flight.
import { connectivityState as ConnectivityState, experimental, type ChannelOptions } from '@grpc/grpc-js';
import { EndpointLoad } from './endpoint-load.ts';
import { chooseOfTwo, type Random } from './p2c.ts';
import type { CallScheduler } from '../call/scheduler.ts';

type Endpoint = experimental.Endpoint;
type Picker = experimental.Picker;
type PickResult = experimental.PickResult;
const { LeafLoadBalancer, PickResultType, QueuePicker, UnavailablePicker, createChildChannelControlHelper, endpointToString } = experimental;

/** The name grpc-js knows the policy by in a service config (`load_balancing: least_request` maps to it). */
export const LEAST_REQUEST_POLICY = 'grpcclient_least_request';

export class LeastRequestConfig implements experimental.TypedLoadBalancingConfig {
  getLoadBalancerName(): string {
    return LEAST_REQUEST_POLICY;
  }
  toJsonObject(): object {
    return { [LEAST_REQUEST_POLICY]: {} };
  }
  static createFromJson(): LeastRequestConfig {
    return new LeastRequestConfig();
  }
}

/**
 * The channel option that hands the policy the call engine's scheduler (src/call/scheduler.ts), so one
 * injected object is the clock and the randomness of calls and of picks alike. grpc-js passes channel
 * options to balancers as they are; grpc-js-xds hands its balancers objects the same way.
 */
export const SCHEDULER_OPTION = 'grpcclient.scheduler';

/** What the policy uses of the call scheduler: monotonic milliseconds and a uniform [0, 1) draw. */
export type PolicyScheduler = Pick<CallScheduler, 'now' | 'random'>;

/** For a channel made without the option (not one of the SDK's): the process's own clock and randomness. */
const processScheduler: PolicyScheduler = { now: () => performance.now(), random: () => Math.random() };

/** One READY endpoint as the picker sees it: its load record and its own (pick_first) picker. */
export interface ReadyEndpoint {
  readonly load: EndpointLoad;
  readonly picker: Picker;
}

/** Picks per call with chooseOfTwo and counts the call into the chosen endpoint's load while it runs. */
export class LeastRequestPicker implements Picker {
  private readonly ready: readonly ReadyEndpoint[];
  private readonly scheduler: PolicyScheduler;
  private readonly random: Random;

  constructor(ready: readonly ReadyEndpoint[], scheduler: PolicyScheduler) {
    this.ready = ready;
    this.scheduler = scheduler;
    this.random = () => scheduler.random();
  }

  pick(args: experimental.PickArgs): PickResult {
    const { load, picker } = chooseOfTwo(this.ready, this.random, this.scheduler.now());
    const result = picker.pick(args);
    if (result.pickResultType !== PickResultType.COMPLETE) return result;
    let startedAt = 0;
    // grpc-js calls onCallStarted once the call is on the wire, and onCallEnded only after that.
    return {
      ...result,
      onCallStarted: () => {
        startedAt = load.callStarted();
        result.onCallStarted?.();
      },
      onCallEnded: (code, details, metadata) => {
        load.callEnded(startedAt, code);
        result.onCallEnded?.(code, details, metadata);
      },
    };
  }
}

interface Child {
  readonly leaf: InstanceType<typeof LeafLoadBalancer>;
  readonly load: EndpointLoad;
}

export class LeastRequestLoadBalancer implements experimental.LoadBalancer {
  private readonly helper: experimental.ChannelControlHelper;
  private readonly childHelper: experimental.ChannelControlHelper;
  /** Children by endpoint; kept across address updates, so connections and latency history survive re-resolution. */
  private children = new Map<string, Child>();
  /** Read from the channel options at the first address update (grpc-js gives a balancer no options before). */
  private scheduler: PolicyScheduler = processScheduler;
  private state: ConnectivityState = ConnectivityState.IDLE;
  private lastError: string | null = null;
  private updating = false;

  constructor(helper: experimental.ChannelControlHelper) {
    this.helper = helper;
    this.childHelper = createChildChannelControlHelper(helper, {
      updateState: (childState, _picker, errorMessage) => {
        // An endpoint that dropped out may have moved: ask the resolver (it rate-limits itself).
        if (this.state === ConnectivityState.READY && childState !== ConnectivityState.READY) helper.requestReresolution();
        if (errorMessage) this.lastError = errorMessage;
        this.report();
      },
    });
  }

  updateAddressList(endpoints: experimental.StatusOr<Endpoint[]>, config: experimental.TypedLoadBalancingConfig, options: ChannelOptions, resolutionNote: string): boolean {
    if (!(config instanceof LeastRequestConfig)) return false;
    if (!endpoints.ok) {
      if (this.children.size === 0) this.setState(ConnectivityState.TRANSIENT_FAILURE, new UnavailablePicker(endpoints.error), endpoints.error.details);
      return true;
    }
    this.scheduler = (options[SCHEDULER_OPTION] as PolicyScheduler | undefined) ?? processScheduler;
    this.updating = true;
    const next = new Map<string, Child>();
    for (const endpoint of endpoints.value) {
      const key = endpointToString(endpoint);
      const existing = this.children.get(key);
      if (existing) {
        existing.leaf.updateEndpoint(endpoint, options);
        next.set(key, existing);
      } else if (!next.has(key)) {
        const leaf = new LeafLoadBalancer(endpoint, this.childHelper, options, resolutionNote);
        next.set(key, { leaf, load: new EndpointLoad(() => this.scheduler.now()) });
        leaf.startConnecting();
      }
    }
    for (const [key, child] of this.children) if (!next.has(key)) child.leaf.destroy();
    this.children = next;
    this.updating = false;
    if (next.size === 0) {
      const message = `least_request: no addresses resolved. Resolution note: ${resolutionNote}`;
      this.setState(ConnectivityState.TRANSIENT_FAILURE, new UnavailablePicker({ details: message }), message);
    } else {
      this.report();
    }
    return true;
  }

  /** Works out the policy's state from its children's, like round_robin: READY if any child is. */
  private report(): void {
    if (this.updating) return;
    const children = [...this.children.values()];
    const ready = children.filter((child) => child.leaf.getConnectivityState() === ConnectivityState.READY);
    const any = (state: ConnectivityState) => children.some((child) => child.leaf.getConnectivityState() === state);
    if (ready.length > 0) {
      this.setState(ConnectivityState.READY, new LeastRequestPicker(ready.map((child) => ({ load: child.load, picker: child.leaf.getPicker() })), this.scheduler), null);
    } else if (any(ConnectivityState.CONNECTING)) {
      this.setState(ConnectivityState.CONNECTING, new QueuePicker(this), null);
    } else if (any(ConnectivityState.TRANSIENT_FAILURE)) {
      const message = `least_request: no connection established. Last error: ${this.lastError}`;
      this.setState(ConnectivityState.TRANSIENT_FAILURE, new UnavailablePicker({ details: message }), message);
    } else {
      this.setState(ConnectivityState.IDLE, new QueuePicker(this), null);
    }
    // Every endpoint stays connected, so the policy can move calls to any of them at once.
    for (const child of children) if (child.leaf.getConnectivityState() === ConnectivityState.IDLE) child.leaf.exitIdle();
  }

  private setState(state: ConnectivityState, picker: Picker, errorMessage: string | null): void {
    this.state = state;
    this.helper.updateState(state, picker, errorMessage);
  }

  exitIdle(): void {
    for (const child of this.children.values()) child.leaf.exitIdle();
  }
  resetBackoff(): void {
    // Reconnect backoff lives in the subchannels; nothing here to reset.
  }
  destroy(): void {
    for (const child of this.children.values()) child.leaf.destroy();
    this.children.clear();
  }
  getTypeName(): string {
    return LEAST_REQUEST_POLICY;
  }
}
