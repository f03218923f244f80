// The retry layer (gRFC A6), done here rather than by grpc-js so every attempt passes through the
// attempt layers below it and is traced and measured on its own. Each attempt is a new call from
// nextCall(); the request metadata and message are replayed into it. A call commits, and is never
// retried again, once response headers or a message arrive.
import { InterceptingCall, Metadata, status as Status, type Interceptor, type InterceptingListener, type InterceptorOptions, type StatusObject } from '@grpc/grpc-js';
import type { RegisteredService } from '../channels/manager.ts';
import { retryPolicy, type RandomSource, type RetryPolicy } from '../retry/policy.ts';
import { readPushback } from '../retry/pushback.ts';
import { RetryThrottle } from '../retry/throttle.ts';
import { callRecordOf, type CallRecord } from './call-record.ts';
import { forwardTo } from './forward.ts';
import { deadlineMillis } from './deadline.ts';

/** What an InterceptingCall wraps; grpc-js does not export the interface by name. */
type NextCall = ConstructorParameters<typeof InterceptingCall>[0];
type MessageContext = Parameters<NextCall['sendMessageWithContext']>[0];

export const PREVIOUS_ATTEMPTS_HEADER = 'grpc-previous-rpc-attempts';

// One bucket per service channel (its target), shared by every client class made for it.
const throttles = new WeakMap<RegisteredService, RetryThrottle>();

export function retryThrottleOf(service: RegisteredService): RetryThrottle {
  let throttle = throttles.get(service);
  if (!throttle) throttles.set(service, (throttle = new RetryThrottle(service.config.retry)));
  return throttle;
}

export interface RetryLayerOptions {
  /** Jitter source in [0, 1); tests pin it. Default Math.random. */
  random?: RandomSource;
}

export function retryInterceptor(service: RegisteredService, options: RetryLayerOptions = {}): Interceptor {
  const policy = retryPolicy(service.config.retry, options.random);
  const throttle = retryThrottleOf(service);
  return (callOptions, nextCall) => {
    const record = callRecordOf(callOptions);
    const method = callOptions.method_definition;
    // Request streams are not replayed (they would have to be buffered without bound): one attempt.
    if (policy.maxAttempts <= 1 || method.requestStream || !policy.allowsMethod(record.method)) {
      return forwardTo(nextCall(callOptions));
    }
    return forwardTo(new RetryingCall(callOptions, nextCall, policy, throttle, record));
  };
}

class RetryingCall implements NextCall {
  private readonly options: InterceptorOptions;
  private readonly nextCall: (options: InterceptorOptions) => NextCall;
  private readonly policy: RetryPolicy;
  private readonly throttle: RetryThrottle;
  private readonly record: CallRecord;
  private readonly deadlineMs: number;

  private listener: Partial<InterceptingListener> = {};
  private metadata = new Metadata();
  private readonly sent: { context: MessageContext; message: unknown }[] = [];
  private halfClosed = false;
  private readRequested = false;
  private attempt: NextCall | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** n of the next regular backoff; pushback restarts the sequence at 1 (A6). */
  private backoffRetry = 1;
  private started = 0;
  private committed = false;
  private cancelled = false;
  private finished = false;

  constructor(options: InterceptorOptions, nextCall: (options: InterceptorOptions) => NextCall, policy: RetryPolicy, throttle: RetryThrottle, record: CallRecord) {
    this.options = options;
    this.nextCall = nextCall;
    this.policy = policy;
    this.throttle = throttle;
    this.record = record;
    this.deadlineMs = deadlineMillis(options.deadline ?? Infinity);
  }

  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    this.metadata = metadata;
    this.listener = listener ?? {};
    this.startAttempt();
  }

  sendMessageWithContext(context: MessageContext, message: unknown): void {
    if (!this.committed) this.sent.push({ context, message });
    this.attempt?.sendMessageWithContext(context, message);
  }

  sendMessage(message: unknown): void {
    this.sendMessageWithContext({}, message);
  }

  halfClose(): void {
    this.halfClosed = true;
    this.attempt?.halfClose();
  }

  startRead(): void {
    this.readRequested = true;
    this.attempt?.startRead();
  }

  cancelWithStatus(code: Status, details: string): void {
    this.cancelled = true;
    if (this.attempt) return this.attempt.cancelWithStatus(code, details);
    // Cancelled while waiting between attempts: no call below us to report it, so we do.
    clearTimeout(this.retryTimer);
    process.nextTick(() => this.finish({ code, details, metadata: new Metadata() }));
  }

  getPeer(): string {
    return this.attempt?.getPeer() ?? '';
  }

  getAuthContext() {
    return this.attempt?.getAuthContext() ?? null;
  }

  private startAttempt(): void {
    this.retryTimer = undefined;
    const number = ++this.started;
    this.record.attempts = number;
    const metadata = this.metadata.clone();
    if (number > 1) metadata.set(PREVIOUS_ATTEMPTS_HEADER, String(number - 1));
    const attempt = this.nextCall(this.options);
    this.attempt = attempt;
    attempt.start(metadata, {
      onReceiveMetadata: (headers) => {
        this.commit();
        this.listener.onReceiveMetadata?.(headers);
      },
      onReceiveMessage: (message: unknown) => {
        // grpc-js hands unary listeners a null "message" before a status without one: not a response.
        if (message === null && !this.committed) return;
        this.commit();
        this.listener.onReceiveMessage?.(message);
      },
      onReceiveStatus: (status) => this.onAttemptStatus(attempt, status),
    });
    // The first attempt gets the caller's write contexts; replays must not call their callbacks twice.
    for (const { context, message } of this.sent) attempt.sendMessageWithContext(number === 1 ? context : {}, message);
    if (this.halfClosed) attempt.halfClose();
    if (this.readRequested) attempt.startRead();
  }

  private commit(): void {
    if (this.committed) return;
    this.committed = true;
    this.sent.length = 0;
  }

  private onAttemptStatus(attempt: NextCall, status: StatusObject): void {
    if (attempt !== this.attempt || this.finished) return;
    this.attempt = undefined;
    const retryableCode = this.policy.isRetryableCode(status.code);
    const pushback = readPushback(status.metadata);
    if (status.code === Status.OK) this.throttle.recordSuccess();
    else if (retryableCode || pushback.kind === 'stop') this.throttle.recordFailure();

    const delay = this.retryDelay(status, retryableCode, pushback);
    if (delay === undefined) return this.finish(status);
    this.record.retryDelayMs += delay;
    // Not unref'd: a call waiting for its next attempt is still a call the program awaits.
    this.retryTimer = setTimeout(() => this.startAttempt(), delay);
  }

  /** The wait before the next attempt, or undefined when this status is the call's last. */
  private retryDelay(status: StatusObject, retryableCode: boolean, pushback: ReturnType<typeof readPushback>): number | undefined {
    if (status.code === Status.OK || this.committed || this.cancelled || !retryableCode) return undefined;
    if (this.record.attempts >= this.policy.maxAttempts || pushback.kind === 'stop') return undefined;
    // With a deadline set, DEADLINE_EXCEEDED is the call's own: its time is spent.
    if (status.code === Status.DEADLINE_EXCEEDED && Number.isFinite(this.deadlineMs)) return undefined;
    if (!this.throttle.allowsRetry()) return undefined;
    let delay: number;
    if (pushback.kind === 'delay') {
      delay = pushback.ms;
      this.backoffRetry = 1;
    } else {
      delay = this.policy.backoffDelay(this.backoffRetry++);
    }
    // The deadline covers every attempt: never wait for an attempt that could not start in time.
    if (Date.now() + delay >= this.deadlineMs) return undefined;
    return delay;
  }

  private finish(status: StatusObject): void {
    if (this.finished) return;
    this.finished = true;
    this.sent.length = 0;
    this.listener.onReceiveStatus?.(status);
  }
}
