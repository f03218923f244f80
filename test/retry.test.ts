// Retry semantics (gRFC A6) of the call engine, each pinned against a real server through both front
// doors. Backoff timers are the test's own (ManualScheduler): a test reads the delay a retry was
// scheduled with and fires it, so no rule depends on how fast this machine is.
import test, { type ExecutionContext } from 'ava';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { getBook, getBookError, streamBooks } from './helpers/calls.ts';
import { clientThrough, FRONT_DOORS, managerFor, type FrontDoor } from './helpers/front-doors.ts';
import { ManualScheduler } from './helpers/scheduler.ts';
import { startBookServer, type InjectedFailure, type RunningServer } from './helpers/servers.ts';

const unavailable: InjectedFailure = { code: Status.UNAVAILABLE, details: 'try again' };

/** A server whose n-th GetBook answers with script(n) (undefined: the book). */
async function scriptedServer(t: ExecutionContext, script: (attempt: number) => InjectedFailure | void | Promise<InjectedFailure | void>) {
  let attempts = 0;
  const server = await startBookServer({ onGetBook: () => script(++attempts) });
  t.teardown(() => server.stop());
  return server;
}

/** A client through `door` with its timers in the test's hand; connected first, so attempts are what is measured. */
async function retryingClient(t: ExecutionContext, door: FrontDoor, server: RunningServer, fields: Record<string, unknown>, random = 0) {
  const scheduler = new ManualScheduler(random);
  const manager = managerFor(server.address, fields, scheduler);
  t.teardown(() => manager.close(0));
  await manager.connect('book-service');
  return { client: clientThrough(door, manager), scheduler, manager };
}

function fireTimersUntil(scheduler: ManualScheduler, done: Promise<unknown>): Promise<number[]> {
  return scheduler.fireAllUntil(done);
}

const previousAttempts = (server: RunningServer) => server.received.map((metadata) => metadata.get('grpc-previous-rpc-attempts')[0]);

for (const door of FRONT_DOORS) {
  test(`${door}: UNAVAILABLE is retried and the retried attempts carry grpc-previous-rpc-attempts`, async (t) => {
    const server = await scriptedServer(t, (attempt) => (attempt <= 2 ? unavailable : undefined));
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 2 } });
    const call = getBook(client, 'b1');
    await fireTimersUntil(scheduler, call);
    t.is((await call).id, 'b1');
    t.deepEqual(previousAttempts(server), [undefined, '1', '2']);
  });

  test(`${door}: a call stops after max + 1 attempts and fails with the last status, its details as the server sent them`, async (t) => {
    const server = await scriptedServer(t, (attempt) => ({ code: Status.UNAVAILABLE, details: `attempt ${attempt}` }));
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 2 } });
    const call = getBookError(client, 'b1');
    await fireTimersUntil(scheduler, call);
    const error = await call;
    t.is(error.code, Status.UNAVAILABLE);
    t.is(error.details, 'attempt 3');
    t.like(error, { service: 'book-service', target: `dns:///${server.address}`, method: 'book.v1.BookService/GetBook', attempts: 3 });
    t.is(server.received.length, 3);
  });

  test(`${door}: attempts are capped at 5 whatever retry.max says`, async (t) => {
    const server = await scriptedServer(t, () => unavailable);
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 10, max_tokens: 1000 } });
    const call = getBookError(client, 'b1');
    await fireTimersUntil(scheduler, call);
    t.is((await call).code, Status.UNAVAILABLE);
    t.is(server.received.length, 5);
  });

  test(`${door}: codes not in retryable_codes are not retried`, async (t) => {
    const server = await scriptedServer(t, () => ({ code: Status.INTERNAL, details: 'bug' }));
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 3 } });
    t.is((await getBookError(client, 'b1')).code, Status.INTERNAL);
    t.is(server.received.length, 1, 'INTERNAL is not listed by default');
    t.is(scheduler.scheduled.length, 0);
  });

  test(`${door}: retry.max 0 (the default) makes exactly one attempt`, async (t) => {
    const server = await scriptedServer(t, () => unavailable);
    const { client } = await retryingClient(t, door, server, {});
    t.like(await getBookError(client, 'b1'), { code: Status.UNAVAILABLE, attempts: 1 });
    t.is(server.received.length, 1);
  });

  test(`${door}: a call is not retried once response headers arrived`, async (t) => {
    const server = await startBookServer({
      onGetBook: (call) => {
        call.sendMetadata(new Metadata());
        return unavailable;
      },
    });
    t.teardown(() => server.stop());
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 3 } });
    t.like(await getBookError(client, 'b1'), { code: Status.UNAVAILABLE, attempts: 1 });
    t.is(server.received.length, 1);
    t.is(scheduler.scheduled.length, 0);
  });

  test(`${door}: an abort while waiting for the next attempt ends the call with CANCELLED and starts no further attempt`, async (t) => {
    const server = await scriptedServer(t, () => unavailable);
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 3 } });
    const aborting = new AbortController();
    const call = getBookError(client, 'b1', { signal: aborting.signal });
    const backoff = await scheduler.nextTimer();
    aborting.abort();
    const error = await call;
    t.is(error.code, Status.CANCELLED);
    t.true(backoff.cancelled, 'the backoff timer was cleared');
    scheduler.fire(backoff);
    t.is(server.received.length, 1);
  });

  test(`${door}: an abort during an attempt cancels it at the server, and it is not retried`, async (t) => {
    let serverSawCancel: () => void = () => {};
    const cancelledAtServer = new Promise<void>((resolve) => (serverSawCancel = resolve));
    const server = await startBookServer({
      onGetBook: (call) => {
        call.on('cancelled', () => serverSawCancel());
        return new Promise(() => {});
      },
    });
    t.teardown(() => server.stop());
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 3, retryable_codes: ['UNAVAILABLE', 'CANCELLED'] } });
    const aborting = new AbortController();
    const call = getBookError(client, 'b1', { signal: aborting.signal });
    while (server.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
    aborting.abort();
    t.is((await call).code, Status.CANCELLED);
    await cancelledAtServer;
    t.is(scheduler.scheduled.length, 0, 'no retry, though CANCELLED is listed as retryable');
  });

  test(`${door}: server-streaming calls are retried before the first message and not after it`, async (t) => {
    let calls = 0;
    const server = await startBookServer({
      onStreamBooks: (call) => {
        calls += 1;
        if (calls === 1) return unavailable;
        if (calls === 3) {
          call.write({ id: 'partial', title: '', author: '', year: 0, ownerId: '' });
          return unavailable;
        }
      },
    });
    t.teardown(() => server.stop());
    const { client, scheduler } = await retryingClient(t, door, server, { retry: { max: 3 } });
    const first = streamBooks(client, 2);
    await fireTimersUntil(scheduler, first);
    t.deepEqual((await first).map((book) => book.id), ['b1', 'b2'], 'retried after a failure before any message');
    t.is(calls, 2);
    await t.throwsAsync(streamBooks(client, 2), { message: /UNAVAILABLE/ });
    t.is(calls, 3, 'not retried after a message arrived');
  });
}

for (const name of ['GetBook', 'book.v1.BookService/GetBook', '/book.v1.BookService/GetBook']) {
  test(`methods in exclude_methods are never retried: "${name}"`, async (t) => {
    const server = await scriptedServer(t, () => unavailable);
    const { client } = await retryingClient(t, 'promise', server, { retry: { max: 3, exclude_methods: [name] } });
    t.like(await getBookError(client, 'b1'), { code: Status.UNAVAILABLE, attempts: 1 });
    t.is(server.received.length, 1);
  });
}

test('codes added to retryable_codes are retried', async (t) => {
  const server = await scriptedServer(t, (attempt) => (attempt === 1 ? { code: Status.RESOURCE_EXHAUSTED } : undefined));
  const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 3, retryable_codes: ['unavailable', 'RESOURCE_EXHAUSTED'] } });
  const call = getBook(client, 'b2');
  await fireTimersUntil(scheduler, call);
  t.is((await call).id, 'b2');
  t.is(server.received.length, 2);
});

// gRFC A6: retry n waits random(0, min(initial × multiplier^(n−1), max_backoff)).
for (const [label, random, expected] of [
  ['randomness 0: no wait at all', 0, [0, 0, 0, 0]],
  ['randomness just below 1: the cap', 0.999999, [100, 200, 300, 300].map((cap) => cap * 0.999999)],
  ['randomness 0.5: half the cap', 0.5, [50, 100, 150, 150]],
] as const) {
  test(`full-jitter backoff, ${label}`, async (t) => {
    const server = await scriptedServer(t, () => unavailable);
    const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 4, backoff: '100ms', multiplier: 2, max_backoff: '300ms', max_tokens: 1000 } }, random);
    const call = getBookError(client, 'b1');
    const delays = await fireTimersUntil(scheduler, call);
    t.is((await call).attempts, 5);
    t.deepEqual(delays, [...expected]);
  });
}

test('server pushback sets the exact delay of the next attempt, and later retries restart from the initial backoff', async (t) => {
  const pushback = new Metadata();
  pushback.set('grpc-retry-pushback-ms', '250');
  const server = await scriptedServer(t, (attempt) => (attempt === 1 ? unavailable : attempt === 2 ? { ...unavailable, trailers: pushback } : attempt === 3 ? unavailable : undefined));
  const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 3, backoff: '100ms', multiplier: 2 } }, 0.5);
  const call = getBook(client, 'b1');
  const delays = await fireTimersUntil(scheduler, call);
  t.is((await call).id, 'b1');
  // Retry 1: half of 100ms. Retry 2: the pushback. Retry 3: the sequence restarts at n = 1 (50ms, not 100ms).
  t.deepEqual(delays, [50, 250, 50]);
});

for (const value of ['-1', 'soon']) {
  test(`pushback "${value}" means do not retry, and counts as a failure for throttling`, async (t) => {
    const trailers = new Metadata();
    trailers.set('grpc-retry-pushback-ms', value);
    const server = await scriptedServer(t, () => ({ code: Status.INTERNAL, details: 'stop', trailers }));
    const { client, manager } = await retryingClient(t, 'promise', server, { retry: { max: 3, max_tokens: 10 } });
    t.is((await getBookError(client, 'b1')).code, Status.INTERNAL);
    t.is(server.received.length, 1);
    // INTERNAL is not retryable; only the pushback makes this attempt a throttling failure (A6).
    t.is(manager.service('book-service').calls!.throttle.available, 9);
  });
}

test('a backoff that would end after the deadline is not waited for', async (t) => {
  const server = await scriptedServer(t, () => unavailable);
  const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 4, backoff: '1s' } }, 0.999);
  const error = await getBookError(client, 'b1', { deadline: Date.now() + 300 });
  t.like(error, { code: Status.UNAVAILABLE, attempts: 1 });
  t.is(scheduler.scheduled.length, 0);
});

test('no attempt starts at or after the deadline when the backoff timer fires late', async (t) => {
  const server = await scriptedServer(t, () => unavailable);
  const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 4, backoff: '100ms' } }, 0.5);
  const call = getBookError(client, 'b1', { deadline: Date.now() + 10_000 });
  const backoff = await scheduler.nextTimer();
  t.is(backoff.ms, 50);
  // The timer fires 10 s late: the deadline has passed by the time it runs.
  scheduler.fire(backoff, 10_000);
  const error = await call;
  t.like(error, { code: Status.UNAVAILABLE, details: 'try again', attempts: 1 });
  t.is(server.received.length, 1, 'no attempt was started after the deadline');
});

test("an attempt that runs into the call's own deadline ends the call with DEADLINE_EXCEEDED, not another attempt", async (t) => {
  const server = await scriptedServer(t, (attempt) => (attempt === 1 ? unavailable : new Promise(() => {})));
  const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 4, retryable_codes: ['UNAVAILABLE', 'DEADLINE_EXCEEDED'] } });
  const call = getBookError(client, 'b1', { deadline: Date.now() + 500 });
  scheduler.fire(await scheduler.nextTimer());
  t.like(await call, { code: Status.DEADLINE_EXCEEDED, attempts: 2 });
  t.is(scheduler.scheduled.length, 1, 'only the first failure was followed by a backoff');
});

test("a server's DEADLINE_EXCEEDED with time left is retried when listed, like any retryable code", async (t) => {
  const server = await scriptedServer(t, (attempt) => (attempt === 1 ? { code: Status.DEADLINE_EXCEEDED, details: 'my backend timed out' } : undefined));
  const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 2, retryable_codes: ['UNAVAILABLE', 'DEADLINE_EXCEEDED'] } });
  const call = getBook(client, 'b1', { deadline: Date.now() + 30_000 });
  await fireTimersUntil(scheduler, call);
  t.is((await call).id, 'b1');
  t.is(server.received.length, 2);
});

for (const [field, value] of [
  ['deadline', { deadline: '500ms' }],
  ['retry.timeout', { deadline: '30s', retry: { max: 4, timeout: '500ms' } }],
] as const) {
  test(`${field} bounds the whole retried call, every attempt and backoff included`, async (t) => {
    const server = await scriptedServer(t, (attempt) => (attempt < 3 ? unavailable : new Promise(() => {})));
    const { client, scheduler } = await retryingClient(t, 'promise', server, { retry: { max: 4 }, ...value });
    const started = Date.now();
    const call = getBookError(client, 'b1');
    scheduler.fire(await scheduler.nextTimer());
    scheduler.fire(await scheduler.nextTimer());
    t.like(await call, { code: Status.DEADLINE_EXCEEDED, attempts: 3 });
    // The third attempt hangs: only the 500ms bound can have ended it (the 30s one would time out the test).
    t.true(Date.now() - started < 20_000);
  });
}

test('throttling stops retries while the backend fails and resumes once it succeeds again', async (t) => {
  let health: 'down' | 'up' | 'one failure' = 'down';
  const server = await scriptedServer(t, () => {
    if (health === 'up') return;
    if (health === 'one failure') health = 'up';
    return unavailable;
  });
  // 4 tokens, retries allowed while tokens > 2; each failed attempt costs 1, each success gives 1 back.
  const { client, scheduler, manager } = await retryingClient(t, 'promise', server, { retry: { max: 2, max_tokens: 4, token_ratio: 1 } });
  const throttle = manager.service('book-service').calls!.throttle;
  const attemptsOf = async (call: () => Promise<unknown>) => {
    const before = server.received.length;
    const running = call();
    await fireTimersUntil(scheduler, running);
    await running;
    return server.received.length - before;
  };

  t.is(await attemptsOf(() => getBookError(client, 'b1')), 2, 'the first failure is retried once, then the bucket is at the limit');
  t.is(await attemptsOf(() => getBookError(client, 'b1')), 1, 'throttled: no retry');
  t.is(await attemptsOf(() => getBookError(client, 'b1')), 1, 'still throttled');
  t.is(throttle.available, 0);

  health = 'up';
  for (let index = 0; index < 4; index += 1) await getBook(client, 'b1');
  t.is(throttle.available, 4, 'successes refill the bucket');
  health = 'one failure';
  t.is(await attemptsOf(() => getBook(client, 'b1')), 2, 'retries are back: a transient failure is retried and the call succeeds');
});
