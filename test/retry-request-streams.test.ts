// Retry and hedging of client- and bidi-streaming calls (gRFC A6): requests are kept for replay until
// the call commits, within the per-call and per-channel replay buffer; a request that does not fit
// commits the call to its current attempt. Real grpc-js servers; backoff and hedge timers are the test's.
import test, { type ExecutionContext } from 'ava';
import { Server, ServerCredentials, status as Status, type ServerDuplexStream, type ServerReadableStream } from '@grpc/grpc-js';
import { ConnectionManager, loadConfig, type CallError } from '../src/index.ts';
import { FRONT_DOORS, type FrontDoor } from './helpers/front-doors.ts';
import { EchoService } from './helpers/echo.ts';
import { ManualScheduler } from './helpers/scheduler.ts';
import type { EchoReply } from './fixtures/protos/gen/echo/v1/EchoReply.ts';
import type { EchoRequest__Output } from './fixtures/protos/gen/echo/v1/EchoRequest.ts';
import type { EchoServiceClient } from './fixtures/protos/gen/echo/v1/EchoService.ts';

/**
 * A request of exactly `bytes` bytes once serialized: EchoRequest { text } is a tag byte, the length
 * as a varint (2 bytes from 128 to 16383) and the text.
 */
function requestOf(bytes: number, mark: string): { text: string } {
  return { text: mark.padEnd(bytes - 3, '.') };
}

/** Four requests filling 1 KiB exactly, or one byte more. */
const requests = (overBy: 0 | 1) => [requestOf(256, 'a'), requestOf(256, 'b'), requestOf(256, 'c'), requestOf(256 + overBy, 'd')];

/**
 * What the server does with the n-th call once it has read every request: answer, fail, never answer,
 * or wait to decide; or 'fail at once', before reading any.
 */
type Action = 'answer' | 'fail' | 'hang' | 'fail at once';
type Script = (attempt: number) => Action | Promise<Action>;

interface SeenCall {
  texts: string[];
  previousAttempts: string | undefined;
  cancelled: boolean;
  ended: boolean;
}

/** Join and Chat served as `script` says; each call is recorded with what it received. */
async function scriptedEchoServer(t: ExecutionContext, script: Script) {
  const calls: SeenCall[] = [];
  const track = (call: ServerReadableStream<EchoRequest__Output, EchoReply> | ServerDuplexStream<EchoRequest__Output, EchoReply>) => {
    const seen: SeenCall = { texts: [], previousAttempts: call.metadata.get('grpc-previous-rpc-attempts')[0] as string | undefined, cancelled: false, ended: false };
    calls.push(seen);
    call.on('data', (request: EchoRequest__Output) => seen.texts.push(request.text[0]!));
    call.on('cancelled', () => (seen.cancelled = true));
    return { seen, action: script(calls.length) };
  };
  const failure = { code: Status.UNAVAILABLE, details: 'try again' };
  const server = new Server();
  server.addService(EchoService.service, {
    Join: (call: ServerReadableStream<EchoRequest__Output, EchoReply>, callback: (error: typeof failure | null, reply?: EchoReply) => void) => {
      const { seen, action } = track(call);
      if (action === 'fail at once') return callback(failure);
      call.on('end', () => {
        seen.ended = true;
        void Promise.resolve(action).then((decided) => {
          if (decided === 'fail') callback(failure);
          if (decided === 'answer') callback(null, { text: seen.texts.join(''), sequence: seen.texts.length });
        });
      });
    },
    // Answers nothing before every request is in, so a failed attempt sent no headers and may be retried.
    Chat: (call: ServerDuplexStream<EchoRequest__Output, EchoReply>) => {
      const { seen, action } = track(call);
      call.on('end', () => {
        seen.ended = true;
        void Promise.resolve(action).then((decided) => {
          if (decided === 'fail') call.emit('error', failure);
          if (decided === 'answer') {
            for (const [index, text] of seen.texts.entries()) call.write({ text, sequence: index + 1 });
            call.end();
          }
        });
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  t.teardown(() => server.forceShutdown());
  return { address: `127.0.0.1:${port}`, calls };
}

async function echoManager(t: ExecutionContext, address: string, fields: Record<string, unknown>) {
  const scheduler = new ManualScheduler();
  const manager = new ConnectionManager({ scheduler });
  manager.register(loadConfig({ grpc_clients: { services: [{ name: 'echo', address, ...fields }] } }, { env: {} }).services[0]!);
  t.teardown(() => manager.close(0));
  await manager.connect('echo');
  return { manager, scheduler, replay: () => manager.service('echo').calls!.replay };
}

/** A client stream (Join) through either front door: the joined first letters of what the server read. */
function join(door: FrontDoor, manager: ConnectionManager, items: { text: string }[]): Promise<string> {
  if (door === 'promise') return manager.client('echo', EchoService).join(items).then((reply) => reply.text);
  const client = manager.getClient('echo', EchoService) as unknown as EchoServiceClient;
  return new Promise((resolve, reject) => {
    const stream = client.join((error, reply) => (error ? reject(error) : resolve(reply!.text)));
    for (const item of items) stream.write(item);
    stream.end();
  });
}

async function chat(manager: ConnectionManager, items: { text: string }[]): Promise<string> {
  let texts = '';
  for await (const reply of manager.client('echo', EchoService).chat(items)) texts += reply.text;
  return texts;
}

const settle = <T>(promise: Promise<T>): Promise<T | CallError> => promise.catch((error: CallError) => error);
const turn = () => new Promise((resolve) => setImmediate(resolve));

const LIMITS = {
  call_buffer_size: { retry: { max: 2, call_buffer_size: '1KiB' } },
  channel_buffer_size: { retry: { max: 2, call_buffer_size: -1, channel_buffer_size: '1KiB' } },
} as const;

for (const [limit, fields] of Object.entries(LIMITS)) {
  for (const door of FRONT_DOORS) {
    test(`${door}: a client stream that fits ${limit} exactly is retried with every request sent again`, async (t) => {
      const server = await scriptedEchoServer(t, (attempt) => (attempt === 1 ? 'fail' : 'answer'));
      const { manager, scheduler, replay } = await echoManager(t, server.address, fields);
      const call = join(door, manager, requests(0));
      await scheduler.fireAllUntil(call);
      t.is(await call, 'abcd');
      t.deepEqual(server.calls.map((seen) => [seen.texts.join(''), seen.previousAttempts]), [['abcd', undefined], ['abcd', '1']]);
      t.is(replay().held, 0, 'the replay buffer is given back');
    });

    test(`${door}: a client stream one byte over ${limit} commits: its failure is returned, not retried`, async (t) => {
      const server = await scriptedEchoServer(t, (attempt) => (attempt === 1 ? 'fail' : 'answer'));
      const { manager, scheduler, replay } = await echoManager(t, server.address, fields);
      const error = await settle(join(door, manager, requests(1)));
      t.like(error, { code: Status.UNAVAILABLE, details: 'try again' });
      t.is(server.calls.length, 1);
      t.is(scheduler.scheduled.length, 0, 'no backoff was even scheduled');
      t.is(replay().held, 0);
    });
  }

  test(`a bidi stream that fits ${limit} exactly is retried with every request sent again`, async (t) => {
    const server = await scriptedEchoServer(t, (attempt) => (attempt === 1 ? 'fail' : 'answer'));
    const { manager, scheduler, replay } = await echoManager(t, server.address, fields);
    const call = chat(manager, requests(0));
    await scheduler.fireAllUntil(call);
    t.is(await call, 'abcd');
    t.is(server.calls.length, 2);
    t.is(replay().held, 0);
  });

  test(`a bidi stream one byte over ${limit} commits: its failure is returned, not retried`, async (t) => {
    const server = await scriptedEchoServer(t, (attempt) => (attempt === 1 ? 'fail' : 'answer'));
    const { manager, scheduler, replay } = await echoManager(t, server.address, fields);
    t.like(await settle(chat(manager, requests(1))), { code: Status.UNAVAILABLE, attempts: 1 });
    t.is(server.calls.length, 1);
    t.is(scheduler.scheduled.length, 0);
    t.is(replay().held, 0);
  });
}

test('channel_buffer_size is shared by the calls of a service: while one call holds its requests, the next that does not fit commits', async (t) => {
  let release: (action: Action) => void = () => {};
  const bothIn = new Promise<Action>((resolve) => (release = resolve));
  // The first two calls fail once both have sent everything; a retry is answered.
  const server = await scriptedEchoServer(t, (attempt) => (attempt <= 2 ? bothIn : 'answer'));
  const { manager, scheduler, replay } = await echoManager(t, server.address, { retry: { max: 2, call_buffer_size: -1, channel_buffer_size: '1KiB' } });
  const client = manager.client('echo', EchoService);
  const calls = Promise.all([settle(client.join([requestOf(600, 'x')])), settle(client.join([requestOf(600, 'y')]))]);
  while (server.calls.filter((seen) => seen.ended).length < 2) await turn();
  t.is(replay().held, 600, 'only one call could keep its request: 1,200 bytes do not fit 1 KiB');
  release('fail');
  await scheduler.fireAllUntil(calls);
  const outcomes = (await calls).map((outcome) => ('code' in outcome ? outcome.code : 'answered')).sort();
  t.deepEqual(outcomes, [Status.UNAVAILABLE, 'answered'].sort(), 'the call that kept its request was retried, the committed one failed');
  t.is(server.calls.length, 3);
  t.is(replay().held, 0);
});

test('a hedged client stream sends every request again on the hedge when they fit', async (t) => {
  const server = await scriptedEchoServer(t, (attempt) => (attempt === 1 ? 'hang' : 'answer'));
  const { manager, scheduler, replay } = await echoManager(t, server.address, { hedging: { max_attempts: 2, delay: '50ms' }, retry: { call_buffer_size: '1KiB' } });
  const call = join('promise', manager, requests(0));
  const hedge = await scheduler.nextTimer();
  while (!server.calls[0]?.ended) await turn();
  scheduler.fire(hedge);
  t.is(await call, 'abcd');
  t.deepEqual(server.calls.map((seen) => [seen.texts.join(''), seen.previousAttempts]), [['abcd', undefined], ['abcd', '1']]);
  while (!server.calls[0]!.cancelled) await turn();
  t.pass('the first copy was cancelled at the server');
  t.is(replay().held, 0);
});

test('a hedged client stream one byte over the buffer commits to the first copy: the hedge is never sent', async (t) => {
  const server = await scriptedEchoServer(t, () => 'answer');
  const { manager, scheduler, replay } = await echoManager(t, server.address, { hedging: { max_attempts: 2, delay: '50ms' }, retry: { call_buffer_size: '1KiB' } });
  const call = join('promise', manager, requests(1));
  const hedge = await scheduler.nextTimer();
  t.is(await call, 'abcd');
  t.true(hedge.cancelled, 'the hedge timer was cleared at the commit');
  t.is(server.calls.length, 1);
  t.is(replay().held, 0);
});

for (const [case_, overBy] of [
  ['does not fit', 1],
  ['fits', 0],
] as const) {
  test(`a request that ${case_} while the call waits for its next attempt: ${overBy ? 'that attempt carries it, is the last, and its writer waits for it' : 'kept, and retries go on'}`, async (t) => {
    // The server fails the first call before reading anything and the second once it read everything.
    const server = await scriptedEchoServer(t, (attempt) => (attempt === 1 ? 'fail at once' : attempt === 2 ? 'fail' : 'answer'));
    const { manager, scheduler, replay } = await echoManager(t, server.address, { retry: { max: 2, call_buffer_size: '1KiB' } });
    let openGate: () => void = () => {};
    const inBackoff = new Promise<void>((resolve) => (openGate = resolve));
    let yieldedLast = false;
    let lastWritten = false;
    async function* arrivingLate() {
      yield requestOf(256, 'a');
      await inBackoff;
      yield requestOf(256, 'b');
      yield requestOf(256, 'c');
      yieldedLast = true;
      yield requestOf(256 + overBy, 'd');
      lastWritten = true;
    }
    const call = settle(manager.client('echo', EchoService).join(arrivingLate()));
    const backoff = await scheduler.nextTimer();
    openGate();
    while (!yieldedLast) await turn();
    for (let turns = 0; turns < 5; turns++) await turn();
    t.is(lastWritten, overBy === 0, overBy ? 'the writer waits while no attempt can take the request' : 'a kept request is written at once');
    scheduler.fire(backoff);
    if (overBy) {
      t.like(await call, { code: Status.UNAVAILABLE, attempts: 2 });
      t.is(scheduler.scheduled.length, 1, 'no retry after the attempt that took it');
    } else {
      await scheduler.fireAllUntil(call);
      t.like(await call, { text: 'abcd', sequence: 4 });
    }
    t.true(lastWritten);
    t.is(server.calls[1]!.texts.join(''), 'abcd', 'the second attempt carried every request');
    t.is(server.calls.length, overBy ? 2 : 3);
    t.is(replay().held, 0);
  });
}
