// One logical call, owned by one object from start to final status: its deadline, its attempts (each a
// plain grpc-js call on the service's channel), the backoff timer between them, the retry throttle, the
// commit, and the call's telemetry. Both front doors drive it: the promise clients and, for code that
// holds grpc-js clients, a single interceptor. It speaks grpc-js's own call interface (start, send,
// halfClose, startRead, cancel) so that interceptor can hand it to grpc-js as it is.
//
// States: IDLE → ATTEMPTING (one or more attempts on the wire, none committed) ⇄ BACKOFF (none on the wire:
// waiting for the next retry, or for a hedge a pushback delayed) → COMMITTED (one attempt's response is
// the call's, or a request did not fit the replay buffer) → DONE. Attempts are kept in a list, each with
// its own sizes, times, peer and status, never as "the current attempt": hedged attempts overlap (gRFC A6
// hedgingPolicy). Requests are kept for replay (within ReplayBudget) until the call commits; a request
// stream's attempts each take them one write at a time (attempt.ts), as grpc-js's calls require.
//
// Transparent retries (A6: a stream refused before the server's application saw it) are grpc-js's, made
// inside one attempt: grpc-js does them right on every version, where the engine could only guess them
// from error text. They change no state and cost no attempt or throttle token; the SDK's picker reports
// them (balancing/attempt-streams.ts), and the refused stream is kept for telemetry as an attempt of its own.
import { Metadata, status as Status, type CallCredentials, type Channel, type InterceptingListener, type StatusObject } from '@grpc/grpc-js';
import { readPushback, type Pushback } from '../retry/pushback.ts';
import type { CallTelemetry, CallTrace } from '../telemetry/call-telemetry.ts';
import { observeStreams } from '../balancing/attempt-streams.ts';
import { registerRouting, ROUTING_HEADER, type AttemptRouting } from '../balancing/distinct-hedges.ts';
import type { CallPolicy } from '../retry/policy.ts';
import { EngineAttempt, REFUSED, type Attempt, type RefusalListener, type RefusedStream, type WireCall } from './attempt.ts';
import type { CallScheduler } from './scheduler.ts';
import type { ServiceCalls } from './service-calls.ts';

type WriteContext = { callback?: (error?: Error | null) => void; flags?: number };
type ParentCall = Parameters<Channel['createCall']>[3];

/** What the engine needs of a method: grpc-js client method definitions and proto-loader's both have it. */
export interface CallMethod {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  requestSerialize(message: unknown): Buffer;
  responseDeserialize(bytes: Buffer): unknown;
}

export const PREVIOUS_ATTEMPTS_HEADER = 'grpc-previous-rpc-attempts';

/** Fields every final status of a call carries, besides grpc's own code, details and trailers. */
export interface CallStatus extends StatusObject {
  service: string;
  target: string;
  /** Full method name, "book.v1.BookService/GetBook". */
  method: string;
  /** Attempts started, the first included (hedges count as attempts). */
  attempts: number;
}

export interface ClientCallOptions {
  /** Epoch milliseconds or a Date; undefined: the service default. */
  deadline?: Date | number | undefined;
  /** A server call this one is made for: its deadline and cancellation propagate (grpc-js parent). */
  parent?: ParentCall | undefined;
  propagateFlags?: number | undefined;
  host?: string | undefined;
  /** Per-call credentials (e.g. a bearer token), composed with the channel's. */
  credentials?: CallCredentials | undefined;
  /**
   * The request metadata was made for this call alone (the promise front door builds it), so the first
   * attempt may carry it as it is; otherwise it is the caller's object, which is never changed.
   */
  ownsMetadata?: boolean;
  /** The call is refused before any attempt (a released client): it ends with this status, nothing sent. */
  refusal?: { code: Status; details: string } | undefined;
}

type State = 'IDLE' | 'ATTEMPTING' | 'BACKOFF' | 'COMMITTED' | 'DONE';

const NO_LISTENER: Partial<InterceptingListener> = Object.freeze({});

export class ClientCall implements RefusalListener {
  private readonly service: ServiceCalls;
  private readonly method: CallMethod;
  /** Full method name without the leading slash. */
  readonly methodName: string;
  private readonly options: ClientCallOptions;
  private readonly clock: CallScheduler;
  private readonly telemetry: CallTelemetry | undefined;
  /** none, retry or hedging: fixed per method (gRFC A6 method config). */
  readonly policy: CallPolicy;

  private state: State = 'IDLE';
  private deadline = Infinity;
  private listener: Partial<InterceptingListener> = NO_LISTENER;
  /** Set by start(): a Metadata made per call only to be replaced showed in allocation profiles. */
  private metadata!: Metadata;
  private trace: CallTrace | undefined;
  private startedAt = 0;
  readonly attempts: Attempt[] = [];
  /** Attempts still on the wire. */
  private readonly live: EngineAttempt[] = [];
  private committed: EngineAttempt | undefined;
  /** Requests go through each attempt's outbox: a request stream that may have several attempts. */
  private readonly queuedWrites: boolean;
  /** Streams grpc-js retried transparently, if any. */
  refusedStreams: RefusedStream[] | undefined;
  /** Requests kept for replay until the call commits (calls with a policy only), and the bytes reserved for them. */
  private readonly sent: Buffer[] = [];
  private reserved = 0;
  /**
   * A request did not fit the replay buffer while no attempt was on the wire: the next attempt carries
   * it, is committed as it starts, and then lets the writers waiting here go on.
   */
  private commitNextAttempt = false;
  private heldWrites: (() => void)[] | undefined;
  private halfClosed = false;
  private readsWanted = 0;
  /** The backoff timer (retry) or the next-hedge timer (hedging); one at a time. */
  private timer: unknown;
  /** n of the next regular backoff: pushback restarts the sequence at 1 (A6). */
  private backoffRetry = 1;
  private hedgingStopped = false;
  /** The status of the last failed hedge, reported if no other hedge answers. */
  private lastStatus: StatusObject | undefined;
  private cancelledByCaller = false;
  private refused = false;

  constructor(service: ServiceCalls, method: CallMethod, options: ClientCallOptions = {}) {
    this.service = service;
    this.method = method;
    this.methodName = method.path.slice(1);
    this.options = options;
    this.clock = service.scheduler;
    this.telemetry = service.telemetry;
    this.policy = service.policyFor(this.methodName);
    this.queuedWrites = method.requestStream && this.policy.kind !== 'none';
  }

  // ---- The grpc-js call interface: what a front door calls ------------------------------------------

  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    this.metadata = metadata;
    this.listener = listener ?? {};
    this.startedAt = this.clock.now();
    this.deadline = this.service.deadlineFor(this.options.deadline, this.clock.wallNow());
    this.trace = this.telemetry?.startCall(this.methodName, metadata, this.method.requestStream || this.method.responseStream);
    const refusal = this.options.refusal ?? this.refusalByService();
    if (refusal !== undefined) {
      this.refused = true;
      this.state = 'BACKOFF'; // nothing on the wire; finish() reports the refusal
      this.clock.immediate(() => this.finish({ ...refusal, metadata: new Metadata() }));
      return;
    }
    this.startAttempt();
    if (this.policy.kind === 'hedging') this.scheduleHedge(this.policy.delay);
  }

  /** Admits the call into the service's in-flight set, or says why it is refused (the manager is closing). */
  private refusalByService(): { code: Status; details: string } | undefined {
    const refusal = this.service.admit(this);
    return refusal === undefined ? undefined : { code: Status.UNAVAILABLE, details: refusal };
  }

  sendMessageWithContext(context: WriteContext, message: unknown): void {
    let bytes: Buffer;
    try {
      bytes = this.method.requestSerialize(message);
    } catch (error) {
      return this.cancelWithStatus(Status.INTERNAL, `Request message serialization failure: ${(error as Error).message}`);
    }
    if (this.telemetry) this.telemetry.messageSent(this.trace, bytes.length);
    if (this.state === 'DONE') return context.callback?.();
    // Until it commits, a call with a policy keeps its requests for the attempts it may start (A6).
    const replaying = this.state !== 'COMMITTED' && this.policy.kind !== 'none';
    const kept = replaying && this.keepForReplay(bytes);
    if (replaying && !kept) {
      if (this.live.length === 0) return this.holdForNextAttempt(bytes, context);
      // A6: a request that does not fit the replay buffer commits the call to an attempt on the wire.
      // They all carry the same requests; the oldest has sent the most of them.
      this.commit(this.live[0]!);
    }
    if (this.queuedWrites) return this.queueWrite(bytes, kept, context);
    if (this.state === 'COMMITTED') {
      this.committed!.sentBytes += bytes.length;
      return this.committed!.wire.sendMessageWithContext(context, bytes);
    }
    for (const attempt of this.live) {
      attempt.sentBytes += bytes.length;
      attempt.wire.sendMessageWithContext(context, bytes);
      context = {}; // one write callback, however many attempts carry the message
    }
    if (this.live.length === 0) context.callback?.();
  }

  sendMessage(message: unknown): void {
    this.sendMessageWithContext({}, message);
  }

  halfClose(): void {
    this.halfClosed = true;
    for (const attempt of this.live) {
      if (this.queuedWrites) attempt.halfClose();
      else attempt.wire.halfClose();
    }
  }

  /** Asks for the next response message (streams); a unary call reads its one message by itself. */
  startRead(): void {
    if (this.state === 'COMMITTED') return this.committed!.wire.startRead();
    this.readsWanted++;
  }

  cancelWithStatus(code: Status, details: string): void {
    if (this.state === 'DONE') return;
    this.cancelledByCaller = true;
    if (this.live.length === 0) {
      // Waiting between attempts (or refused): nothing on the wire to report it, so we do.
      this.finish({ code, details, metadata: new Metadata() });
      return;
    }
    for (const attempt of [...this.live]) attempt.wire.cancelWithStatus(code, details);
  }

  getPeer(): string {
    const attempt = this.committed ?? this.attempts[this.attempts.length - 1];
    return attempt?.wire.getPeer() ?? '';
  }

  getAuthContext() {
    return (this.committed ?? this.attempts[this.attempts.length - 1])?.wire.getAuthContext() ?? null;
  }

  /** True once the call has its final status. */
  get ended(): boolean {
    return this.state === 'DONE';
  }

  /** The attempt whose response is the call's, once one committed. */
  get servedBy(): Attempt | undefined {
    return this.committed;
  }

  /** Refused before any attempt because shutdown() had started: the caller's lifecycle, not a backend's trouble. */
  get refusedByShutdown(): boolean {
    return this.refused;
  }

  // ---- Attempts ---------------------------------------------------------------------------------------

  private startAttempt(): void {
    this.state = 'ATTEMPTING';
    const number = this.attempts.length + 1;
    const { parent, propagateFlags, host } = this.options;
    let wire: WireCall;
    try {
      wire = this.service.channel().createCall(this.method.path, this.deadline, host, parent ?? null, propagateFlags);
    } catch (error) {
      // The channel was closed under the call (grpc-js throws "Channel has been shut down").
      this.state = 'BACKOFF';
      this.clock.immediate(() => this.finish({ code: Status.UNAVAILABLE, details: (error as Error).message, metadata: new Metadata() }));
      return;
    }
    if (this.options.credentials) wire.setCredentials(this.options.credentials);
    const attempt = new EngineAttempt(this, number, wire, this.clock.now(), this.clock.wallNow());
    this.attempts.push(attempt);
    this.live.push(attempt);

    // Every attempt gets its own copy (attempts may overlap, and grpc-js reads it after start()), except a
    // first attempt whose metadata was made for this call: the copy is skipped on nearly every call.
    const owned = number === 1 && this.options.ownsMetadata === true;
    const metadata = owned ? this.metadata : this.metadata.clone();
    if (this.service.waitForReady && metadata.getOptions().waitForReady === undefined) metadata.setOptions({ ...metadata.getOptions(), waitForReady: true });
    // Only telemetry needs to see transparent retries; other calls carry no mark.
    if (this.service.observesStreams) observeStreams(metadata, attempt, owned);
    if (number > 1) metadata.set(PREVIOUS_ATTEMPTS_HEADER, String(number - 1));
    // A6: a hedge should reach a backend the call has not tried yet: the SDK's picker reads and writes this.
    if (this.policy.kind === 'hedging' && this.service.distinctHedges) {
      const routing: AttemptRouting = { avoid: this.usedAddresses() };
      const registered = registerRouting(routing);
      attempt.routing = routing;
      attempt.forgetRouting = registered.forget;
      metadata.set(ROUTING_HEADER, registered.id);
    }
    if (this.telemetry) this.telemetry.attemptStarted(this.trace, metadata);

    wire.start(metadata, {
      onReceiveMetadata: (headers) => this.onHeaders(attempt, headers),
      onReceiveMessage: (bytes: Buffer) => this.onMessage(attempt, bytes),
      onReceiveStatus: (status) => this.onAttemptStatus(attempt, status),
    });
    if (this.queuedWrites) {
      attempt.replay(this.sent);
      if (this.halfClosed) attempt.halfClose();
    } else {
      // At most one request (unary and server-streaming methods): written at once, as grpc-js allows.
      for (const bytes of this.sent) {
        attempt.sentBytes += bytes.length;
        wire.sendMessageWithContext({}, bytes);
      }
      if (this.halfClosed) wire.halfClose();
    }
    // Every attempt reads its first message (it may commit the call); later reads follow the caller.
    wire.startRead();
    if (this.commitNextAttempt) {
      this.commit(attempt);
      this.releaseHeldWrites();
    }
  }

  /** Where the earlier attempts of a hedged call went, as the picker recorded it. */
  private usedAddresses(): Set<string> {
    const used = new Set<string>();
    for (const attempt of this.attempts) if (attempt.routing?.picked) used.add(attempt.routing.picked);
    return used;
  }

  /**
   * grpc-js retries a refused stream of `attempt` transparently (gRFC A6): the refused stream is kept as
   * an attempt of its own for telemetry, and the attempt goes on as its retry. Called by the attempt.
   */
  streamRefused(attempt: Attempt, address: string): void {
    if (this.state === 'DONE') return;
    const now = this.clock.now();
    const refused: RefusedStream = {
      number: attempt.number,
      startedAt: attempt.startedAt,
      startedAtEpochMs: attempt.startedAtEpochMs,
      endedAt: now,
      status: REFUSED,
      peer: address,
      sentBytes: attempt.sentBytes,
      rcvdBytes: 0,
      transparentRetry: attempt.transparentRetry === true,
    };
    (this.refusedStreams ??= []).push(refused);
    attempt.startedAt = now;
    attempt.startedAtEpochMs = this.clock.wallNow();
    attempt.transparentRetry = true;
    if (!this.telemetry) return;
    try {
      this.telemetry.streamRefused(this.trace, refused);
    } catch {
      // This runs inside grpc-js's pick: a telemetry failure must not throw there (nothing would catch it).
    }
  }

  private onHeaders(attempt: EngineAttempt, headers: Metadata): void {
    if (!this.commit(attempt)) return;
    this.listener.onReceiveMetadata?.(headers);
  }

  private onMessage(attempt: EngineAttempt, bytes: Buffer): void {
    attempt.rcvdBytes += bytes.length;
    if (!this.commit(attempt)) return;
    let message: unknown;
    try {
      message = this.method.responseDeserialize(bytes);
    } catch (error) {
      attempt.wire.cancelWithStatus(Status.INTERNAL, `Response message parsing error: ${(error as Error).message}`);
      return;
    }
    if (this.telemetry) this.telemetry.messageReceived(this.trace, bytes.length);
    this.listener.onReceiveMessage?.(message);
  }

  /**
   * The first attempt to get response headers or a message becomes the call's (gRFC A6: committed, never
   * retried again), or the one on the wire when a request does not fit the replay buffer; the other
   * attempts are cancelled. Returns false for an attempt that lost.
   */
  private commit(attempt: EngineAttempt): boolean {
    if (this.committed) return this.committed === attempt;
    if (this.state === 'DONE') return false;
    this.committed = attempt;
    this.state = 'COMMITTED';
    this.releaseReplay();
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const other of [...this.live]) {
      if (other === attempt) continue;
      other.superseded = true;
      other.wire.cancelWithStatus(Status.CANCELLED, 'another attempt of this call committed');
    }
    // Reads the caller asked for before the commit now go to the committed attempt.
    for (; this.readsWanted > 0; this.readsWanted--) attempt.wire.startRead();
    return true;
  }

  private onAttemptStatus(attempt: EngineAttempt, status: StatusObject): void {
    attempt.endedAt = this.clock.now();
    attempt.status = status;
    if (this.queuedWrites) attempt.dropWrites();
    attempt.peer = attempt.wire.getPeer();
    attempt.forgetRouting?.();
    const index = this.live.indexOf(attempt);
    if (index >= 0) this.live.splice(index, 1);
    if (this.telemetry) this.telemetry.attemptEnded(this.trace, attempt);
    if (this.state === 'DONE' || (this.committed && this.committed !== attempt)) return;
    const policy = this.policy;
    if (policy.kind === 'none') return this.finish(status);

    const pushback = readPushback(status.metadata);
    const retryable = policy.isRetryableCode(status.code);
    // A6 throttling: only retryable (non-fatal) failures and "do not retry" pushback count as failures.
    if (status.code === Status.OK) this.service.throttle.recordSuccess();
    else if (retryable || pushback.kind === 'stop') this.service.throttle.recordFailure();
    if (this.committed) return this.finish(status);
    if (policy.kind === 'hedging') return this.afterHedgeStatus(status, retryable, pushback, policy.delay);

    const delay = this.retryDelay(status, retryable, pushback, policy.maxAttempts, policy.backoffDelay);
    if (delay === undefined) return this.finish(status);
    this.state = 'BACKOFF';
    // Not unref'd: a call waiting for its next attempt is still a call the program awaits.
    this.timer = this.clock.setTimeout(() => this.onBackoffEnded(status), delay);
  }

  /** The wait before the next retry, or undefined when this status is the call's last (gRFC A6 retryPolicy). */
  private retryDelay(status: StatusObject, retryable: boolean, pushback: Pushback, maxAttempts: number, backoffDelay: (retry: number) => number): number | undefined {
    if (status.code === Status.OK || this.cancelledByCaller || !retryable || pushback.kind === 'stop') return undefined;
    if (this.attempts.length >= maxAttempts) return undefined;
    if (!this.service.throttle.allowsRetry()) return undefined;
    let delay: number;
    if (pushback.kind === 'delay') {
      delay = pushback.ms;
      this.backoffRetry = 1;
    } else {
      delay = backoffDelay(this.backoffRetry++);
    }
    // The deadline covers every attempt: never wait for an attempt that could not start in time. (So an
    // attempt that ended DEADLINE_EXCEEDED on the call's own deadline is never retried, while a server's
    // DEADLINE_EXCEEDED with time left is retried like any listed code.)
    if (this.clock.wallNow() + delay >= this.deadline) return undefined;
    return delay;
  }

  /** A timer can fire late: the deadline is checked again before the attempt starts. */
  private onBackoffEnded(lastStatus: StatusObject): void {
    this.timer = undefined;
    if (this.state !== 'BACKOFF') return;
    if (this.clock.wallNow() >= this.deadline) return this.finish(lastStatus);
    this.startAttempt();
  }

  /**
   * gRFC A6 hedgingPolicy after one attempt failed while others may still run: OK or a fatal code ends
   * the call (finish cancels the rest); a non-fatal code sends the next hedge at once, or after the
   * pushback delay; pushback "do not retry" sends no more. The call ends when nothing is left to wait for.
   */
  private afterHedgeStatus(status: StatusObject, nonFatal: boolean, pushback: Pushback, hedgingDelay: number): void {
    if (status.code === Status.OK || !nonFatal || this.cancelledByCaller) return this.finish(status);
    if (pushback.kind === 'stop') {
      this.hedgingStopped = true;
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.hedgingStopped && this.policy.kind === 'hedging' && this.attempts.length < this.policy.maxAttempts) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      if (pushback.kind === 'delay') this.scheduleHedge(pushback.ms);
      else this.sendHedge(hedgingDelay);
    }
    if (this.live.length > 0) return;
    if (this.timer === undefined) return this.finish(status);
    this.state = 'BACKOFF';
    this.lastStatus = status;
  }

  private scheduleHedge(delay: number): void {
    if (this.hedgingStopped || this.state === 'COMMITTED' || this.policy.kind !== 'hedging' || this.attempts.length >= this.policy.maxAttempts) return;
    const hedgingDelay = this.policy.delay;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.state === 'ATTEMPTING' || this.state === 'BACKOFF') this.sendHedge(hedgingDelay);
    }, delay);
  }

  /**
   * One more hedge, unless the deadline has passed or the throttle says no (A6: the first attempt always
   * goes out, later hedges only while tokens > max_tokens / 2); then the next one is scheduled.
   */
  private sendHedge(hedgingDelay: number): void {
    if (this.clock.wallNow() >= this.deadline || !this.service.throttle.allowsRetry()) {
      this.hedgingStopped = true;
      if (this.live.length === 0) this.finish(this.lastStatus ?? { code: Status.DEADLINE_EXCEEDED, details: 'Deadline exceeded', metadata: new Metadata() });
      return;
    }
    this.startAttempt();
    this.scheduleHedge(hedgingDelay);
  }

  // ---- The replay buffer ------------------------------------------------------------------------------

  /** Keeps `bytes` for later attempts if the call's and the channel's replay budget have room. */
  private keepForReplay(bytes: Buffer): boolean {
    if (!this.service.replay.reserve(this.reserved, bytes.length)) return false;
    this.reserved += bytes.length;
    this.sent.push(bytes);
    return true;
  }

  /** Between attempts, with no room left: the next attempt takes it (and is the last); the writer waits for that. */
  private holdForNextAttempt(bytes: Buffer, context: WriteContext): void {
    this.sent.push(bytes);
    this.commitNextAttempt = true;
    if (context.callback) (this.heldWrites ??= []).push(context.callback);
  }

  /** On commit and at the end: nothing will be replayed any more. */
  private releaseReplay(): void {
    this.sent.length = 0;
    this.service.replay.release(this.reserved);
    this.reserved = 0;
  }

  private releaseHeldWrites(): void {
    const held = this.heldWrites;
    this.heldWrites = undefined;
    if (held) for (const written of held) written();
  }

  // ---- Request streams with a policy ------------------------------------------------------------------

  /**
   * A kept request goes to every attempt on the wire, each writing it when it can (attempt.ts), and the
   * writer goes on at once (the replay budget bounds how far ahead it gets, as in grpc-js); a request not
   * kept goes to the committed attempt alone, and the writer waits until that attempt has written it.
   */
  private queueWrite(bytes: Buffer, kept: boolean, context: WriteContext): void {
    if (!kept) return this.committed!.write(bytes, context.callback);
    for (const attempt of this.live) attempt.write(bytes, undefined);
    context.callback?.();
  }

  private finish(status: StatusObject): void {
    if (this.state === 'DONE') return;
    this.state = 'DONE';
    this.releaseReplay();
    this.releaseHeldWrites();
    this.clock.clearTimeout(this.timer);
    for (const attempt of [...this.live]) {
      attempt.superseded = true;
      attempt.wire.cancelWithStatus(Status.CANCELLED, 'another attempt of this call ended it');
    }
    this.service.release(this);
    const final: CallStatus = {
      code: status.code,
      details: status.details,
      metadata: status.metadata,
      service: this.service.name,
      target: this.service.target,
      method: this.methodName,
      attempts: this.attempts.length,
    };
    if (this.telemetry) {
      const now = this.clock.now();
      this.telemetry.callEnded(this.trace, this, final, now - this.startedAt, now);
    }
    this.listener.onReceiveStatus?.(final);
  }
}
