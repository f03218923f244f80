// What one demo server can tell about the calls it got: how many reached it, and how many of those the
// caller cancelled before the answer (with hedging: another copy of the call answered first). The
// orchestrator asks each book-service replica for these over IPC to show how the callers spread calls.

export interface ServedCounts {
  /** Calls that reached a handler. */
  calls: number;
  /** Of those, calls the caller had cancelled by the time the handler was done. */
  cancelled: number;
}

export class ServedCalls {
  private readonly counts: ServedCounts = { calls: 0, cancelled: 0 };

  received(): void {
    this.counts.calls += 1;
  }

  ended(cancelledByCaller: boolean): void {
    if (cancelledByCaller) this.counts.cancelled += 1;
  }

  snapshot(): ServedCounts {
    return { ...this.counts };
  }
}
