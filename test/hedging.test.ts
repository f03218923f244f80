// Hedging (gRFC A6 hedgingPolicy) in the call engine: overlapping attempts of one call, the first answer
// commits and the rest are cancelled, non-fatal codes send the next hedge at once, fatal ones end the call.
// Hedge timers are the test's own (ManualScheduler); replicas are real servers on 127.0.0.1-3.
import test, { type ExecutionContext } from 'ava';
import { Metadata, status as Status, type ServerUnaryCall } from '@grpc/grpc-js';
import { ROUTING_HEADER } from '../src/balancing/distinct-hedges.ts';
import { captureLogger } from './helpers/logs.ts';
import { SpanStatusCode } from '@opentelemetry/api';
import { init } from '../src/index.ts';
import { getBook, getBookError, TELEMETRY_OFF } from './helpers/calls.ts';
import { clientThrough, FRONT_DOORS, managerFor } from './helpers/front-doors.ts';
import { BookService } from './helpers/protos.ts';
import { ManualScheduler } from './helpers/scheduler.ts';
import { startBookServer, type InjectedFailure, type RunningServer } from './helpers/servers.ts';
import { pointsWhere, registerInMemoryTelemetry, type Histogram } from './helpers/telemetry.ts';

const telemetry = registerInMemoryTelemetry();
const hang = () => new Promise<never>(() => {});

/** A server whose n-th GetBook is answered by script(n, call); it records which attempts the server saw cancelled. */
async function scriptedServer(t: ExecutionContext, script: (attempt: number) => InjectedFailure | void | Promise<InjectedFailure | void>) {
  let attempts = 0;
  const cancelled: number[] = [];
  const server = await startBookServer({
    onGetBook: (call: ServerUnaryCall<{ id: string }, unknown>) => {
      const attempt = ++attempts;
      call.on('cancelled', () => cancelled.push(attempt));
      return script(attempt);
    },
  });
  t.teardown(() => server.stop());
  return { server, cancelled };
}

async function hedgingClient(t: ExecutionContext, door: (typeof FRONT_DOORS)[number], server: RunningServer, hedging: Record<string, unknown>) {
  const scheduler = new ManualScheduler();
  const manager = managerFor(server.address, { hedging: { max_attempts: 3, delay: '50ms', ...hedging } }, scheduler);
  t.teardown(() => manager.close(0));
  await manager.connect('book-service');
  return { client: clientThrough(door, manager), scheduler, manager };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

for (const door of FRONT_DOORS) {
  test(`${door}: a hedge goes out after the hedging delay; the first answer wins and the other attempt is cancelled at the server`, async (t) => {
    const { server, cancelled } = await scriptedServer(t, (attempt) => (attempt === 1 ? hang() : undefined));
    const { client, scheduler } = await hedgingClient(t, door, server, {});
    const call = getBook(client, 'b1');
    const hedge = await scheduler.nextTimer();
    t.is(hedge.ms, 50);
    await until(() => server.received.length === 1);
    scheduler.fire(hedge);
    t.is((await call).id, 'b1');
    // (grpc-js servers also emit 'cancelled' when a finished unary call's stream closes, so look for attempt 1.)
    await until(() => cancelled.includes(1));
    t.pass('the losing attempt was cancelled at the server');
    t.is(server.received[1]!.get('grpc-previous-rpc-attempts')[0], '1');
  });
}

test('a non-fatal code sends the next hedge at once, without waiting for the delay', async (t) => {
  const { server } = await scriptedServer(t, (attempt) => (attempt === 1 ? { code: Status.UNAVAILABLE, details: 'draining' } : undefined));
  const { client, scheduler } = await hedgingClient(t, 'promise', server, {});
  const call = getBook(client, 'b1');
  t.is((await call).id, 'b1');
  t.is(server.received.length, 2);
  t.true(scheduler.scheduled.every((timer) => timer.ms === 50), 'no timer of another length was set');
  t.false(scheduler.scheduled.some((timer) => !timer.cancelled && timer === scheduler.scheduled.at(-1) && server.received.length > 2));
});

test('a fatal code ends the call with that status and sends no more hedges', async (t) => {
  const { server } = await scriptedServer(t, () => ({ code: Status.INVALID_ARGUMENT, details: 'bad id' }));
  const { client, scheduler } = await hedgingClient(t, 'promise', server, {});
  const error = await getBookError(client, 'b1');
  t.like(error, { code: Status.INVALID_ARGUMENT, details: 'bad id', attempts: 1 });
  const [hedge] = scheduler.scheduled;
  t.true(hedge?.cancelled, 'the pending hedge timer was cleared');
  scheduler.fire(hedge!);
  t.is(server.received.length, 1);
});

test('at most max_attempts copies go out, and the call fails with the last status when every copy fails', async (t) => {
  const { server } = await scriptedServer(t, (attempt) => (attempt < 3 ? hang() : { code: Status.UNAVAILABLE, details: `attempt ${attempt}` }));
  const { client, scheduler } = await hedgingClient(t, 'promise', server, { delay: '10ms' });
  const call = getBookError(client, 'b1', { deadline: Date.now() + 3_000 });
  scheduler.fire(await scheduler.nextTimer());
  await until(() => server.received.length === 2);
  scheduler.fire(await scheduler.nextTimer());
  await until(() => server.received.length === 3);
  // The third copy failed (non-fatal) and no fourth may go out: the call waits for the two still running.
  const error = await call;
  t.is(error.code, Status.DEADLINE_EXCEEDED);
  t.is(error.attempts, 3);
  t.is(server.received.length, 3);
});

test('pushback "do not retry" on a hedge stops further hedges', async (t) => {
  const trailers = new Metadata();
  trailers.set('grpc-retry-pushback-ms', '-1');
  const { server } = await scriptedServer(t, () => ({ code: Status.UNAVAILABLE, details: 'go away', trailers }));
  const { client, scheduler } = await hedgingClient(t, 'promise', server, {});
  t.like(await getBookError(client, 'b1'), { code: Status.UNAVAILABLE, attempts: 1 });
  t.true(scheduler.scheduled.every((timer) => timer.cancelled));
});

test.serial('a hedged call records grpc.client.call.hedges and one attempt span per copy, each naming its replica', async (t) => {
  let calls = 0;
  const server = await startBookServer({ onGetBook: () => (++calls === 1 ? new Promise((resolve) => setTimeout(resolve, 2_000)) : undefined) });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        telemetry: { metrics: { exporter: 'none' }, traces: { exporter: 'none' } },
        services: [{ name: 'hedged', address: server.address, connect: 'eager', hedging: { max_attempts: 2, delay: '20ms' } }],
      },
    },
    clients: { hedged: BookService },
    env: {},
  });
  t.teardown(shutdown);
  const { traceId } = await telemetry.inRootSpan(() => clients.hedged.getBook({ id: 'b1' }));
  const attempts = telemetry.spansOf(traceId).filter((span) => span.name.startsWith('Attempt.'));
  t.is(attempts.length, 2);
  t.deepEqual(attempts.map((span) => span.attributes['grpcclient.hedge']), [true, true]);
  for (const span of attempts) t.is(span.attributes['network.peer.address'], '127.0.0.1');
  // The copy that lost was cancelled by its own call: CANCELLED, marked superseded, and not an error.
  const lost = attempts.find((span) => span.attributes['grpcclient.superseded'] === true);
  t.is(lost?.attributes['rpc.status_code'], 'CANCELLED');
  t.is(lost?.status.code, SpanStatusCode.UNSET);
  const won = attempts.find((span) => span !== lost);
  t.is(won?.attributes['rpc.status_code'], 'OK');
  const metrics = await telemetry.collect();
  const [hedges] = pointsWhere<Histogram>(metrics.get('grpc.client.call.hedges'), { 'grpcclient.service': 'hedged' });
  t.is(hedges?.value.sum, 1);
  t.deepEqual(pointsWhere(metrics.get('grpc.client.call.retries'), { 'grpcclient.service': 'hedged' }), [], 'hedges are not retries');
});

test('hedging across three replicas: no call waits for the slow one', async (t) => {
  const replicas = await Promise.all(
    ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map(async (host, index) => {
      const server = await startBookServer({ host, onGetBook: () => (index === 0 ? new Promise((resolve) => setTimeout(resolve, 300)) : undefined) });
      t.teardown(() => server.stop());
      return server;
    }),
  );
  const address = `ipv4:${replicas.map((server) => server.address).join(',')}`;
  const measure = async (hedging: Record<string, unknown>) => {
    const { clients, shutdown } = await init({
      config: { grpc_clients: { services: [{ name: 'books', address, load_balancing: 'round_robin', connect: 'eager', hedging }] } },
      clients: { books: BookService },
      env: TELEMETRY_OFF,
    });
    t.teardown(shutdown);
    // Until every replica has served a call, round_robin may know only some of them as READY.
    while (replicas.some((server) => server.received.length === 0)) await Promise.all([1, 2, 3].map(() => clients.books.getBook({ id: 'b1' })));
    const durations: number[] = [];
    for (let index = 0; index < 30; index++) {
      const started = performance.now();
      await clients.books.getBook({ id: 'b1' });
      durations.push(performance.now() - started);
    }
    return durations.sort((a, b) => a - b);
  };
  const plain = await measure({});
  const hedged = await measure({ max_attempts: 2, delay: '20ms' });
  t.log(`p99 without hedging ${plain.at(-1)!.toFixed(1)} ms, with hedging (delay 20 ms) ${hedged.at(-1)!.toFixed(1)} ms`);
  t.true(plain.at(-1)! >= 300, 'without hedging a third of the calls wait 300 ms');
  t.true(hedged.at(-1)! < 300, 'with hedging no call waits for the slow replica');
});

test('the copies of a hedged call go to distinct replicas, and the routing header never reaches a server', async (t) => {
  const replicas = await Promise.all(
    ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map(async (host) => {
      const server = await startBookServer({ host, onGetBook: hang });
      t.teardown(() => server.stop());
      return server;
    }),
  );
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        services: [
          {
            name: 'books',
            address: `ipv4:${replicas.map((server) => server.address).join(',')}`,
            // least_request draws two replicas at random: without steering, a third copy would often land on a used one.
            load_balancing: 'least_request',
            connect: 'eager',
            hedging: { max_attempts: 3, delay: '10ms' },
          },
        ],
      },
    },
    clients: { books: BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  for (let call = 1; call <= 6; call++) {
    const error = await t.throwsAsync(clients.books.getBook({ id: 'b1' }, { timeout: 400 }));
    t.like(error, { code: Status.DEADLINE_EXCEEDED, attempts: 3 });
    t.deepEqual(
      replicas.map((server) => server.received.length),
      [call, call, call],
      `call ${call}: one copy per replica`,
    );
  }
  for (const server of replicas) for (const metadata of server.received) t.deepEqual(metadata.get(ROUTING_HEADER), []);
});

test("the routing header of a hedged call is in no log line: it is the SDK's, not the caller's", async (t) => {
  const replicas = await Promise.all(['127.0.0.1', '127.0.0.2'].map((host) => startBookServer({ host, onGetBook: () => new Promise((resolve) => setTimeout(resolve, 50)) })));
  t.teardown(() => Promise.all(replicas.map((server) => server.stop())));
  const { logger, lines } = captureLogger('debug');
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        telemetry: { traces: { exporter: 'none' }, metrics: { exporter: 'none' } },
        services: [{ name: 'books', address: `ipv4:${replicas.map((server) => server.address).join(',')}`, load_balancing: 'round_robin', connect: 'eager', hedging: { max_attempts: 2, delay: '5ms' } }],
      },
    },
    clients: { books: BookService },
    env: {},
    logger,
  });
  t.teardown(shutdown);
  await clients.books.getBook({ id: 'b1' }, { metadata: { 'x-tenant': 'acme' } });
  await new Promise((resolve) => setImmediate(resolve));
  const call = lines.find((line) => line['method'] !== undefined);
  t.like(call, { attempts: 2, metadata: { 'x-tenant': 'acme' } }, 'a hedged call line, with the caller\'s own metadata');
  t.deepEqual(Object.keys(call!['metadata'] as object), ['x-tenant'], 'and nothing the SDK added');
});

test('hedging does not hide a slow replica from least_request: the copies it loses still teach the balancer', async (t) => {
  const replicas = await Promise.all(
    ['127.0.0.1', '127.0.0.2'].map(async (host, index) => {
      const server = await startBookServer({ host, onGetBook: () => (index === 0 ? new Promise((resolve) => setTimeout(resolve, 300)) : undefined) });
      t.teardown(() => server.stop());
      return server;
    }),
  );
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        services: [
          { name: 'books', address: `ipv4:${replicas.map((server) => server.address).join(',')}`, load_balancing: 'least_request', connect: 'eager', hedging: { max_attempts: 2, delay: '50ms' } },
        ],
      },
    },
    clients: { books: BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  for (let call = 0; call < 100; call++) await clients.books.getBook({ id: 'b1' });
  const firstAttempts = replicas.map((server) => server.received.filter((metadata) => metadata.get('grpc-previous-rpc-attempts').length === 0).length);
  t.log(`first attempts: slow replica ${firstAttempts[0]}, fast replica ${firstAttempts[1]}`);
  // Every copy sent to the slow replica is cancelled when the hedge wins: counted as nothing, it would keep
  // looking as fast as the other and get about half of the first attempts.
  t.true(firstAttempts[0]! < 15, `the slow replica got ${firstAttempts[0]} of 100 first attempts`);
});

test.serial('spans name the replica that served each call', async (t) => {
  const replicas = await Promise.all(
    ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map(async (host) => {
      const server = await startBookServer({ host });
      t.teardown(() => server.stop());
      return server;
    }),
  );
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        telemetry: { metrics: { exporter: 'none' }, traces: { exporter: 'none' } },
        services: [{ name: 'spread', address: `ipv4:${replicas.map((server) => server.address).join(',')}`, load_balancing: 'round_robin', connect: 'eager' }],
      },
    },
    clients: { spread: BookService },
    env: {},
  });
  t.teardown(shutdown);
  const { traceId } = await telemetry.inRootSpan(async () => {
    for (let call = 0; call < 12; call++) await clients.spread.getBook({ id: 'b1' });
  });
  const calls = telemetry.spansOf(traceId).filter((span) => span.name === 'book.v1.BookService/GetBook');
  t.is(calls.length, 12);
  const served = calls.map((span) => `${String(span.attributes['network.peer.address'])}:${String(span.attributes['network.peer.port'])}`);
  t.deepEqual([...new Set(served)].sort(), replicas.map((server) => server.address).sort(), 'every replica appears, and only they do');
  t.true(calls.every((span) => span.attributes['server.address'] === '127.0.0.1'), 'server.address stays the configured target host');
});
