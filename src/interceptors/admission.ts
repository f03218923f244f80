// Outermost interceptor: counts the calls in flight so shutdown can drain them, refuses calls once
// the manager closes (with a status that says so, not a raw "channel closed" throw), and gives each
// call the record the layers below share.
import { InterceptingCall, Metadata, status as Status, type Interceptor, type InterceptingListener, type StatusObject } from '@grpc/grpc-js';
import { attachCallRecord } from './call-record.ts';

/** What an InterceptingCall wraps; grpc-js does not export the interface by name. */
type NextCall = ConstructorParameters<typeof InterceptingCall>[0];

export class InFlightCalls {
  private readonly calls = new Set<InterceptingCall>();
  private closedReason: string | undefined;
  private drained: (() => void) | undefined;

  get size(): number {
    return this.calls.size;
  }

  /** From now on new calls fail with UNAVAILABLE and this reason. */
  refuseNew(reason: string): void {
    this.closedReason = reason;
  }

  /** Resolves once no call is in flight, or after `timeoutMs`; returns how many are still running. */
  async drain(timeoutMs: number): Promise<number> {
    if (this.calls.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.drained = undefined;
    }
    return this.calls.size;
  }

  /** Cancels whatever is still running; each call fails with CANCELLED and this reason. */
  cancelAll(reason: string): void {
    for (const call of [...this.calls]) call.cancelWithStatus(Status.CANCELLED, reason);
  }

  interceptor(describe: (path: string) => string): Interceptor {
    return (options, nextCall) => {
      if (this.closedReason !== undefined) {
        return new InterceptingCall(new RefusedCall(`${describe(options.method_definition.path)}: ${this.closedReason}`));
      }
      const call: InterceptingCall = new InterceptingCall(nextCall(attachCallRecord(options)), {
        start: (metadata, _listener, next) => {
          this.calls.add(call);
          next(metadata, {
            onReceiveStatus: (status, nextStatus) => {
              this.calls.delete(call);
              if (this.calls.size === 0) this.drained?.();
              nextStatus(status);
            },
          });
        },
      });
      return call;
    };
  }
}

/** A call that never reaches a channel: it reports UNAVAILABLE as soon as it starts. */
class RefusedCall implements NextCall {
  private readonly details: string;
  constructor(details: string) {
    this.details = details;
  }

  start(_metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    const status: StatusObject = { code: Status.UNAVAILABLE, details: this.details, metadata: new Metadata() };
    setImmediate(() => listener?.onReceiveStatus?.(status));
  }
  cancelWithStatus(): void {}
  getPeer(): string {
    return '';
  }
  sendMessageWithContext(_context: object, _message: unknown): void {}
  sendMessage(_message: unknown): void {}
  startRead(): void {}
  halfClose(): void {}
  getAuthContext() {
    return null;
  }
}
