// requestQueue(): requests that arrive as events feed a client- or bidi-streaming call, with backpressure
// the producer can await, end() to half-close and fail() to cancel the call with a cause.
import test from 'ava';
import { status as Status } from '@grpc/grpc-js';
import { CallError, requestQueue } from '../src/index.ts';
import { echoClient } from './helpers/echo.ts';

test('pushed requests reach a client stream in order, and end() half-closes it', async (t) => {
  const { client } = await echoClient(t);
  const requests = requestQueue<{ text: string }>();
  const reply = client.join(requests);
  const emitter = new (await import('node:events')).EventEmitter();
  emitter.on('word', (text: string) => void requests.push({ text }));
  emitter.on('done', () => requests.end());
  for (const word of ['one', 'two', 'three']) emitter.emit('word', word);
  emitter.emit('done');
  t.deepEqual(await reply, { text: 'one two three', sequence: 3 });
});

test('a bidi stream answers pushed requests as they come', async (t) => {
  const { client } = await echoClient(t);
  const requests = requestQueue<{ text: string }>();
  const replies: string[] = [];
  await requests.push({ text: 'a' });
  for await (const reply of client.chat(requests)) {
    replies.push(reply.text);
    if (replies.length === 1) await requests.push({ text: 'b' });
    else requests.end();
  }
  t.deepEqual(replies, ['A', 'B']);
});

test('push() resolves at once while fewer than highWaterMark wait, and then only once the call takes one', async (t) => {
  const requests = requestQueue<number>({ highWaterMark: 2 });
  const settled: number[] = [];
  const first = requests.push(1).then(() => settled.push(1));
  const second = requests.push(2).then(() => settled.push(2));
  await first;
  t.deepEqual(settled, [1], 'one waiting request: room for another');
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(settled, [1], 'the second filled the queue: its producer waits');
  t.is(requests.size, 2);
  const iterator = requests[Symbol.asyncIterator]();
  t.deepEqual(await iterator.next(), { value: 1, done: false });
  await second;
  t.deepEqual(settled, [1, 2], 'the call took one: the producer may go on');
});

test('a fast producer awaiting push() is held to the pace of the transport', async (t) => {
  const { client } = await echoClient(t);
  const requests = requestQueue<{ text: string }>({ highWaterMark: 4 });
  const reply = client.join(requests);
  let maxWaiting = 0;
  for (let i = 0; i < 2_000; i++) {
    await requests.push({ text: 'x'.repeat(1_000) });
    maxWaiting = Math.max(maxWaiting, requests.size);
  }
  requests.end();
  t.is((await reply).sequence, 2_000);
  t.true(maxWaiting <= 4, `at most highWaterMark requests waited (${maxWaiting})`);
});

test('fail() cancels the call, the server sees it, and the CallError carries the cause', async (t) => {
  const { client, echo } = await echoClient(t);
  const requests = requestQueue<{ text: string }>();
  const reply = client.join(requests);
  await requests.push({ text: 'partial' });
  while (echo.handled.Join === 0) await new Promise((resolve) => setImmediate(resolve));
  const cause = new Error('upload socket reset');
  requests.fail(cause);
  const error = await t.throwsAsync(reply, { instanceOf: CallError });
  t.is(error.code, Status.CANCELLED);
  t.is(error.cause, cause);
  t.is(await echo.cancelled, 'Join');
  await t.throwsAsync(requests.push({ text: 'late' }), { message: /after end\(\) or fail\(\)/ });
});

test('once the call has ended, push() rejects instead of queueing for nobody', async (t) => {
  const { client } = await echoClient(t);
  const requests = requestQueue<{ text: string }>();
  const aborting = new AbortController();
  const reply = client.join(requests, { signal: aborting.signal });
  await requests.push({ text: 'first' });
  aborting.abort();
  await t.throwsAsync(reply, { instanceOf: CallError });
  await t.throwsAsync(requests.push({ text: 'refused' }), { message: /the call stopped taking requests/ });
});

test('a queue feeds one call, and highWaterMark must be a whole number >= 1', (t) => {
  const requests = requestQueue<number>();
  requests[Symbol.asyncIterator]();
  t.throws(() => requests[Symbol.asyncIterator](), { message: /feeds one call/ });
  t.throws(() => requestQueue({ highWaterMark: 0 }), { instanceOf: RangeError });
});
