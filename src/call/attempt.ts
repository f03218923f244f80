// One attempt of a call (client-call.ts owns them): its grpc-js call and what it measured, the streams
// grpc-js opened for it (a second one is a transparent retry, reported by the SDK's picker), and, for
// a request stream, the requests it has yet to write, one at a time.
import { status as Status, type Channel, type StatusObject } from '@grpc/grpc-js';
import type { StreamObserver } from '../balancing/attempt-streams.ts';
import type { AttemptRouting } from '../balancing/distinct-hedges.ts';

/** What grpc-js's Channel.createCall returns: one attempt on the wire. */
export type WireCall = ReturnType<Channel['createCall']>;

/** One attempt as telemetry and the call see it: a grpc-js call and what happened to it (fields: EngineAttempt). */
export type Attempt = Pick<EngineAttempt, 'number' | 'wire' | 'startedAt' | 'startedAtEpochMs' | 'endedAt' | 'status' | 'peer' | 'sentBytes' | 'rcvdBytes' | 'superseded' | 'routing' | 'forgetRouting' | 'transparentRetry'>;

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
export const REFUSED: RefusedStream['status'] = { code: Status.UNAVAILABLE, details: 'Stream refused by server, retried transparently' };

/** The call an attempt tells about its refused streams. */
export interface RefusalListener {
  streamRefused(attempt: Attempt, address: string): void;
}

/** A request waiting to be written, with the caller's callback if the caller waits for this write. */
interface QueuedWrite {
  readonly bytes: Buffer;
  readonly callback: (() => void) | undefined;
}

/** An attempt as the engine keeps it; also the observer of its streams that the picker reports to. */
export class EngineAttempt implements StreamObserver {
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
  sentBytes = 0;
  rcvdBytes = 0;
  /** Cancelled by the call itself because another attempt's answer was the call's (a lost hedge). */
  superseded?: boolean;
  /** Hedged calls only: where the picker sent this attempt (and which addresses it was to avoid). */
  routing?: AttemptRouting;
  forgetRouting?: () => void;
  /** Its stream is grpc-js's transparent retry of a refused one (gRFC A72 transparent-retry). */
  transparentRetry?: boolean;
  private readonly call: RefusalListener;
  /** Where the attempt's current stream went, once grpc-js started one. */
  private streamAddress: string | undefined;
  /** Request streams: the requests not written yet, the one being written, and the half-close asked for. */
  private outbox: QueuedWrite[] | undefined;
  private inFlight: QueuedWrite | undefined;
  private halfCloseWanted = false;
  private halfCloseSent = false;

  constructor(call: RefusalListener, number: number, wire: WireCall, startedAt: number, startedAtEpochMs: number) {
    this.call = call;
    this.number = number;
    this.wire = wire;
    this.startedAt = startedAt;
    this.startedAtEpochMs = startedAtEpochMs;
  }

  // ---- Streams, as the SDK's picker reports them --------------------------------------------------------

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

  // ---- Writes of a request stream: one at a time, as grpc-js's calls take them ---------------------------
  // (A grpc-js call holds one pending write until its callback; a second one replaces it.)

  /** Queues one request; `callback` runs once this attempt has written it (or ended). */
  write(bytes: Buffer, callback: (() => void) | undefined): void {
    (this.outbox ??= []).push({ bytes, callback });
    this.writeNext();
  }

  /** The requests of the call so far, for an attempt that starts after they were sent. */
  replay(requests: readonly Buffer[]): void {
    // All queued before the first is written, or a half-close would go out after that one alone.
    this.outbox = requests.map((bytes) => ({ bytes, callback: undefined }));
    this.writeNext();
  }

  /** Half-closes once every queued request is written. */
  halfClose(): void {
    this.halfCloseWanted = true;
    this.halfCloseIfWritten();
  }

  /** The attempt ended: writers waiting for it go on (the call's status tells them the rest). */
  dropWrites(): void {
    const pending = this.inFlight;
    const outbox = this.outbox;
    this.inFlight = undefined;
    this.outbox = undefined;
    pending?.callback?.();
    if (outbox) for (const write of outbox) write.callback?.();
  }

  private writeNext(): void {
    const outbox = this.outbox;
    if (this.inFlight || this.status || !outbox || outbox.length === 0) return;
    const write = outbox.shift()!;
    this.inFlight = write;
    this.sentBytes += write.bytes.length;
    this.wire.sendMessageWithContext({ callback: () => this.onWritten(write) }, write.bytes);
    // A half-close may follow the last write at once: grpc-js keeps it until that write is through.
    this.halfCloseIfWritten();
  }

  private onWritten(write: QueuedWrite): void {
    if (this.inFlight !== write) return;
    this.inFlight = undefined;
    write.callback?.();
    this.writeNext();
  }

  private halfCloseIfWritten(): void {
    if (!this.halfCloseWanted || this.halfCloseSent || this.status || (this.outbox !== undefined && this.outbox.length > 0)) return;
    this.halfCloseSent = true;
    this.wire.halfClose();
  }
}
