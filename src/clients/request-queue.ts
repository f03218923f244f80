// Requests that arrive as events (a socket, an emitter, a UI), fed to a client- or bidi-streaming call: a
// queue that is the call's request iterable, with push/end/fail for the producer and backpressure it can await.

/** The producer's side of a request stream; the object itself is what the streaming method takes. */
export interface RequestQueue<Req> extends AsyncIterable<Req> {
  /**
   * Queues one request. The promise resolves once fewer than `highWaterMark` requests are waiting (at once
   * while there is room), so `await push()` keeps a fast producer in step with the transport; it rejects if
   * the queue was ended or failed, or the call stopped reading (it ended).
   */
  push(request: Req): Promise<void>;
  /** No more requests: the call half-closes once the queued ones are sent. */
  end(): void;
  /** The requests failed: the call is cancelled (CANCELLED), and its CallError has `error` as its cause. */
  fail(error: unknown): void;
  /** Requests queued and not yet taken by the call. */
  readonly size: number;
}

export interface RequestQueueOptions {
  /** How many requests may wait before push() makes its caller wait. Default 16. */
  highWaterMark?: number;
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

/**
 * A queue of requests for one streaming call:
 *
 *   const requests = requestQueue<Chunk>();
 *   const reply = clients.files.upload(requests);
 *   socket.on('data', async (data) => { socket.pause(); await requests.push({ data }); socket.resume(); });
 *   socket.on('end', () => requests.end());
 *   socket.on('error', (error) => requests.fail(error));
 *
 * It can be iterated once (by the call it is passed to).
 */
export function requestQueue<Req>(options: RequestQueueOptions = {}): RequestQueue<Req> {
  const highWaterMark = options.highWaterMark ?? 16;
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) throw new RangeError(`requestQueue: highWaterMark must be a whole number >= 1, got ${highWaterMark}`);
  const queued: Req[] = [];
  /** Producers waiting for room, oldest first. */
  const blocked: Waiter[] = [];
  let reader: { resolve: (result: IteratorResult<Req>) => void; reject: (error: unknown) => void } | undefined;
  let ended = false;
  let failure: { error: unknown } | undefined;
  /** Set once the consumer stops (the call ended): later pushes reject with it. */
  let closed: Error | undefined;
  let iterated = false;

  const release = () => {
    while (blocked.length > 0 && queued.length < highWaterMark) blocked.shift()!.resolve();
  };
  const stop = (reason: Error) => {
    closed = reason;
    queued.length = 0;
    for (const waiter of blocked.splice(0)) waiter.reject(reason);
  };

  const iterator: AsyncIterator<Req> = {
    next() {
      if (failure) return Promise.reject(failure.error);
      if (queued.length > 0) {
        const value = queued.shift()!;
        release();
        return Promise.resolve({ value, done: false });
      }
      if (ended || closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (reader = { resolve, reject }));
    },
    return() {
      stop(new Error('requestQueue: the call stopped taking requests (it ended)'));
      reader?.resolve({ value: undefined, done: true });
      reader = undefined;
      return Promise.resolve({ value: undefined, done: true });
    },
  };

  return {
    push(request) {
      if (closed) return Promise.reject(closed);
      if (ended || failure) return Promise.reject(new Error('requestQueue: push() after end() or fail()'));
      if (reader) {
        const waiting = reader;
        reader = undefined;
        waiting.resolve({ value: request, done: false });
        return Promise.resolve();
      }
      queued.push(request);
      if (queued.length < highWaterMark) return Promise.resolve();
      return new Promise((resolve, reject) => blocked.push({ resolve, reject }));
    },
    end() {
      if (ended || failure || closed) return;
      ended = true;
      reader?.resolve({ value: undefined, done: true });
      reader = undefined;
    },
    fail(error) {
      if (ended || failure || closed) return;
      // Queued requests are dropped: the call is about to be cancelled, so sending them would be wasted.
      failure = { error };
      queued.length = 0;
      for (const waiter of blocked.splice(0)) waiter.reject(error);
      reader?.reject(error);
      reader = undefined;
    },
    get size() {
      return queued.length;
    },
    [Symbol.asyncIterator]() {
      if (iterated) throw new TypeError('requestQueue: a request queue feeds one call; make a new one for each call');
      iterated = true;
      return iterator;
    },
  };
}
