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
// stream's attempts each take them one write at a time (outbox), as grpc-js's calls require.
//
// Transparent retries (A6: a stream refused before the server's application saw it) are grpc-js's, made
// inside one attempt: grpc-js does them right on every version, where the engine could only guess them
// from error text. They change no state and cost no attempt or throttle token; the SDK's picker reports
// them (balancing/attempt-streams.ts), and the refused stream is kept for telemetry as an attempt of its own.
import { Metadata, status as Status, type CallCredentials, type Channel, type InterceptingListener, type StatusObject } from '@grpc/grpc-js';
import { readPushback, type Pushback } from '../retry/pushback.ts';
import type { CallTelemetry, CallTrace } from '../telemetry/call-telemetry.ts';
import { observeStreams, type StreamObserver } from '../balancing/attempt-streams.ts';
import { registerRouting, ROUTING_HEADER, type AttemptRouting } from '../balancing/distinct-hedges.ts';
import type { CallPolicy } from '../retry/policy.ts';
import type { CallScheduler } from './scheduler.ts';
import type { ServiceCalls } from './service-calls.ts';

/** What grpc-js's Channel.createCall returns: one attempt on the wire. */
type WireCall = ReturnType<Channel['createCall']>;
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

/** One attempt: a grpc-js call and what happened to it. */
export interface Attempt {
  /** 1-based, in start order. */
  readonly number: number;
  readonly wire: WireCall;
  /**
   * clock.now() at start and at status, and the wall-clock start for a span written afterwards. After a
   * transparent retry, the start of the stream that retried.
   */
  startedAt: number;
  startedAtEpochMs: number;
  endedAt?: number;
  status?: StatusObject;
  /** "ip:port" of the server that answered, read when the attempt ends. */
  peer?: string;
  sentBytes: number;
  rcvdBytes: number;
  /** Cancelled by the call itself because another attempt's answer was the call's (a lost hedge). */
  superseded?: boolean;
  /** Hedged calls only: where the picker sent this attempt (and which addresses it was to avoid). */
  routing?: AttemptRouting;
  forgetRouting?: () => void;
  /** Its stream is grpc-js's transparent retry of a refused one (gRFC A72 transparent-retry). */
  transparentRetry?: boolean;
}

/** A stream of an attempt that the server refused and grpc-js retried transparently: an attempt for telemetry only. */
export interface RefusedStream {
  /** The number of the attempt it belonged to (its retry carries the same grpc-previous-rpc-attempts). */
  readonly number: number;
  readonly startedAt: number;
  readonly startedAtEpochMs: number;
  readonly endedAt: number;
  readonly status: { code: Status; details: string };
  readonly peer: string;
  readonly sentBytes: number;
  readonly rcvdBytes: number;
  readonly transparentRetry: boolean;
}

/**
 * grpc-js retries a stream transparently only after the server refused it (REFUSED_STREAM, or a GOAWAY
 * that left it out), which grpc-js reports as UNAVAILABLE.
 */
const REFUSED: RefusedStream['status'] = { code: Status.UNAVAILABLE, details: 'Stream refused by server, retried transparently' };

/** A request waiting to be written to one attempt, with the caller's callback if the caller waits for this write. */
interface QueuedWrite {
  readonly bytes: Buffer;
  readonly callback: (() => void) | undefined;
}

/** An attempt as the engine keeps it; also the observer of its streams that the picker reports to. */
class EngineAttempt implements Attempt, StreamObserver {
  readonly number: number;
  readonly wire: WireCall;
  startedAt: number;
  startedAtEpochMs: number;
  endedAt?: number;
  status?: StatusObject;
  peer?: string;
  sentBytes = 0;
  rcvdBytes = 0;
  superseded?: boolean;
  routing?: AttemptRouting;
  forgetRouting?: () => void;
  transparentRetry?: boolean;
  /**
   * Retried and hedged request streams: requests waiting for the attempt's write in flight, which grpc-js
   * must see finish before the next (its calls hold one pending write), and whether it half-closed.
   */
  outbox: QueuedWrite[] | undefined;
  inFlight: QueuedWrite | undefined;
  halfCloseSent = false;
  private readonly call: ClientCall;
  /** Where the attempt's current stream went, once grpc-js started one. */
  private streamAddress: string | undefined;

  constructor(call: ClientCall, number: number, wire: WireCall, startedAt: number, startedAtEpochMs: number) {
    this.call = call;
    this.number = number;
    this.wire = wire;
    this.startedAt = startedAt;
    this.startedAtEpochMs = startedAtEpochMs;
  }

  /** A pick after a stream started belongs to a new stream: grpc-js only starts one to retry a refused one. */
  picked(): void {
    if (this.streamAddress === undefined || this.status) return;
    const address = this.streamAddress;
    this.streamAddress = undefined;
    this.call.streamRefused(this, address);
  }

  streamStarted(address: string): void {
    this.streamAddress = address;
  }
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
}

type State = 'IDLE' | 'ATTEMPTING' | 'BACKOFF' | 'COMMITTED' | 'DONE';

export class ClientCall {
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
  private listener: Partial<InterceptingListener> = {};
  private metadata = new Metadata();
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
    const refusal = this.service.admit(this);
    if (refusal !== undefined) {
      this.state = 'BACKOFF'; // nothing on the wire; finish() reports the refusal
      this.clock.immediate(() => this.finish({ code: Status.UNAVAILABLE, details: refusal, metadata: new Metadata() }));
      return;
    }
    this.startAttempt();
    if (this.policy.kind === 'hedging') this.scheduleHedge(this.policy.delay);
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
      if (this.queuedWrites) this.halfCloseWhenWritten(attempt);
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
      // All of them queued before the first is written, or the half-close would go out after that one.
      attempt.outbox = this.sent.map((bytes) => ({ bytes, callback: undefined }));
      this.writeNext(attempt);
      this.halfCloseWhenWritten(attempt);
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
    if (this.telemetry) this.telemetry.streamRefused(this.trace, refused);
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
   * retried again); the other attempts are cancelled. Returns false for an attempt that lost.
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
    if (this.queuedWrites) this.dropWrites(attempt);
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

  // ---- Request streams with a policy: one write at a time per attempt ----------------------------------

  /**
   * A kept request goes to every attempt on the wire, each writing it when it can, and the writer goes
   * on at once (the replay budget bounds how far ahead it gets, as in grpc-js); a request not kept goes
   * to the committed attempt alone, and the writer waits until that attempt has written it.
   */
  private queueWrite(bytes: Buffer, kept: boolean, context: WriteContext): void {
    if (kept) {
      for (const attempt of this.live) this.enqueue(attempt, bytes, undefined);
      return context.callback?.();
    }
    this.enqueue(this.committed!, bytes, context.callback);
  }

  private enqueue(attempt: EngineAttempt, bytes: Buffer, callback: (() => void) | undefined): void {
    (attempt.outbox ??= []).push({ bytes, callback });
    this.writeNext(attempt);
  }

  private writeNext(attempt: EngineAttempt): void {
    const outbox = attempt.outbox;
    if (attempt.inFlight || attempt.status || !outbox || outbox.length === 0) return;
    const write = outbox.shift()!;
    attempt.inFlight = write;
    attempt.sentBytes += write.bytes.length;
    attempt.wire.sendMessageWithContext({ callback: () => this.onWritten(attempt, write) }, write.bytes);
    // A half-close may follow the last write at once: grpc-js keeps it until that write is through.
    this.halfCloseWhenWritten(attempt);
  }

  private onWritten(attempt: EngineAttempt, write: QueuedWrite): void {
    if (attempt.inFlight !== write) return;
    attempt.inFlight = undefined;
    write.callback?.();
    this.writeNext(attempt);
  }

  private halfCloseWhenWritten(attempt: EngineAttempt): void {
    if (!this.halfClosed || attempt.halfCloseSent || attempt.status || (attempt.outbox !== undefined && attempt.outbox.length > 0)) return;
    attempt.halfCloseSent = true;
    attempt.wire.halfClose();
  }

  /** An attempt ended with writes pending: writers waiting for them go on (the call's status tells them the rest). */
  private dropWrites(attempt: EngineAttempt): void {
    const pending = attempt.inFlight;
    const outbox = attempt.outbox;
    attempt.inFlight = undefined;
    attempt.outbox = undefined;
    pending?.callback?.();
    if (outbox) for (const write of outbox) write.callback?.();
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
