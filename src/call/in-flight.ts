// The calls in flight on one ConnectionManager, so shutdown can refuse new calls, wait for the running
// ones, and cancel what is still running when the drain time is up.
import { status as Status } from '@grpc/grpc-js';
import type { ClientCall } from './client-call.ts';

export class InFlightCalls {
  private readonly calls = new Set<ClientCall>();
  private closedReason: string | undefined;
  private drained: (() => void) | undefined;

  get size(): number {
    return this.calls.size;
  }

  /** Registers a starting call; returns why it is refused once the manager closes. */
  admit(call: ClientCall): string | undefined {
    if (this.closedReason !== undefined) return this.closedReason;
    this.calls.add(call);
    return undefined;
  }

  release(call: ClientCall): void {
    if (this.calls.delete(call) && this.calls.size === 0) this.drained?.();
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
}
