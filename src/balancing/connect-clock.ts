// The connect_timeout clock of one grpc-js subchannel: started when grpc-js starts a connection attempt,
// it belongs to the subchannel, so the wrappers that child policies make and drop cannot restart it.
import { connectivityState as ConnectivityState, experimental } from '@grpc/grpc-js';
import type { ConnectAttempt } from './connect-attempt.ts';

type SubchannelInterface = experimental.SubchannelInterface;

/** Told when the attempt of the subchannel it wraps ran out of time. */
export interface TimeoutObserver {
  attemptTimedOut(reason: string): void;
}

/**
 * Child policies destroy their subchannel wrappers and make new ones on every address update
 * (round_robin on every resolution): a clock per wrapper started again with each new one, so
 * resolutions coming faster than connect_timeout kept a stalled attempt alive forever (issue 15).
 * One clock per real subchannel, listening to it directly, times each attempt exactly once.
 */
export class ConnectClock {
  private readonly subchannel: SubchannelInterface;
  private readonly attempt: ConnectAttempt;
  private readonly timeoutMs: () => number;
  private readonly observers = new Set<TimeoutObserver>();
  private timer: NodeJS.Timeout | undefined;
  private reason: string | undefined;

  /** `subchannel` is grpc-js's real subchannel (getRealSubchannel()), shared by every wrapper of it. */
  constructor(subchannel: SubchannelInterface, attempt: ConnectAttempt, timeoutMs: () => number) {
    this.subchannel = subchannel;
    this.attempt = attempt;
    this.timeoutMs = timeoutMs;
    subchannel.addConnectivityStateListener(this.onState);
    // A subchannel may already be mid-attempt when we first see it; it gets the full timeout from now.
    if (subchannel.getConnectivityState() === ConnectivityState.CONNECTING) this.start();
  }

  /**
   * Why the current attempt was abandoned, from the timeout until the next attempt starts (or one
   * succeeds), so the failure grpc-js reports after we closed the socket keeps saying why.
   */
  get abandonedAs(): string | undefined {
    return this.reason;
  }

  observe(observer: TimeoutObserver): void {
    this.observers.add(observer);
  }

  unobserve(observer: TimeoutObserver): void {
    this.observers.delete(observer);
  }

  private readonly onState: experimental.ConnectivityStateListener = (_subchannel, _previous, next) => {
    this.stop();
    if (next === ConnectivityState.TRANSIENT_FAILURE) return;
    this.reason = undefined;
    if (next === ConnectivityState.CONNECTING) {
      this.attempt.reset();
      this.start();
    }
  };

  private start(): void {
    const timeoutMs = this.timeoutMs();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.subchannel.getConnectivityState() !== ConnectivityState.CONNECTING) return;
      this.reason = this.attempt.abandon(this.subchannel.getAddress(), timeoutMs);
      for (const observer of [...this.observers]) observer.attemptTimedOut(this.reason);
    }, timeoutMs);
    // A connection attempt must never keep the process alive on its own.
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
