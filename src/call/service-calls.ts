// What every call of one configured service shares: its channel, its default deadline and retry budget,
// its retry/hedging policy per method, its retry throttle (one token bucket per target, gRFC A6) and
// replay budget, its telemetry, and the manager's in-flight registry. One per service; a call holds it.
import type { Channel } from '@grpc/grpc-js';
import type { ServiceConfig } from '../config/types.ts';
import { callPolicies, type CallPolicy } from '../retry/policy.ts';
import { ReplayBudget } from '../retry/replay-budget.ts';
import { RetryThrottle } from '../retry/throttle.ts';
import type { CallTelemetry } from '../telemetry/call-telemetry.ts';
import type { ClientCall } from './client-call.ts';
import type { InFlightCalls } from './in-flight.ts';
import { realScheduler, type CallScheduler } from './scheduler.ts';

export interface ServiceCallsOptions {
  config: ServiceConfig;
  /** Canonical target (grpc.target), e.g. "dns:///localhost:9002". */
  target: string;
  /** The service's channel, opened on first use. */
  channel: () => Channel;
  inFlight: InFlightCalls;
  telemetry?: CallTelemetry | undefined;
  /** Tests pass their own clock, timers and randomness. */
  scheduler?: CallScheduler;
}

export class ServiceCalls {
  readonly name: string;
  readonly target: string;
  readonly scheduler: CallScheduler;
  readonly telemetry: CallTelemetry | undefined;
  readonly throttle: RetryThrottle;
  /** Requests kept for replay by all calls of the service's channel. */
  readonly replay: ReplayBudget;
  readonly waitForReady: boolean;
  /** Hedges are steered to unused addresses by the SDK's own picker, which xDS channels do not have. */
  readonly distinctHedges: boolean;
  /** Attempts are marked for that picker to report their streams (transparent retries) to telemetry. */
  readonly observesStreams: boolean;
  readonly channel: () => Channel;
  private readonly inFlight: InFlightCalls;
  private readonly defaultDeadlineMs: number;
  private readonly budgetMs: number;
  private readonly policyOf: (fullMethod: string) => CallPolicy;
  private readonly policies = new Map<string, CallPolicy>();
  private readonly refusal: string;

  constructor(options: ServiceCallsOptions) {
    const { config } = options;
    this.name = config.name;
    this.target = options.target;
    this.channel = options.channel;
    this.inFlight = options.inFlight;
    this.telemetry = options.telemetry;
    this.scheduler = options.scheduler ?? realScheduler;
    this.throttle = new RetryThrottle(config.retry);
    this.replay = new ReplayBudget(config.retry);
    this.waitForReady = config.wait_for_ready;
    this.distinctHedges = !options.target.startsWith('xds:');
    this.observesStreams = this.distinctHedges && options.telemetry !== undefined;
    this.defaultDeadlineMs = config.deadline;
    this.budgetMs = config.retry.timeout;
    this.policyOf = callPolicies(config, () => this.scheduler.random());
    this.refusal = `${config.name} (${options.target}): client is shut down`;
  }

  /**
   * The call's deadline in epoch ms (Infinity for none): the caller's own, else the service default,
   * and never later than the retry budget, so one deadline bounds every attempt and every backoff.
   */
  deadlineFor(requested: Date | number | undefined, now: number): number {
    let deadline = requested instanceof Date ? requested.getTime() : (requested ?? Infinity);
    if (deadline === Infinity && this.defaultDeadlineMs > 0) deadline = now + this.defaultDeadlineMs;
    if (this.budgetMs > 0) deadline = Math.min(deadline, now + this.budgetMs);
    return deadline;
  }

  policyFor(fullMethod: string): CallPolicy {
    let policy = this.policies.get(fullMethod);
    if (!policy) this.policies.set(fullMethod, (policy = this.policyOf(fullMethod)));
    return policy;
  }

  /** Registers a starting call; returns why it is refused (UNAVAILABLE) once the manager is closing. */
  admit(call: ClientCall): string | undefined {
    return this.inFlight.admit(call) === undefined ? undefined : this.refusal;
  }

  release(call: ClientCall): void {
    this.inFlight.release(call);
  }
}
