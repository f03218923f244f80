// Outlier ejection (gRFC A50 failure percentage, grpc-js's outlier_detection policy) on three real replicas.
import test from 'ava';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { init } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer, type RunningServer } from './helpers/servers.ts';
import { getBook, TELEMETRY_OFF } from './helpers/calls.ts';
import type { BookClient } from './helpers/calls.ts';

const INTERVAL_MS = 300;
const BASE_EJECTION_MS = 2_000;

/** Three replicas behind one ipv4: target (127.0.0.1, .2 and .3, all loopback); the last fails 9 calls in 10. */
async function replicas(t: { teardown(fn: () => unknown): void }) {
  const servers: RunningServer[] = [];
  for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
    let calls = 0;
    const failing = host === '127.0.0.3';
    const server = await startBookServer({
      host,
      onGetBook: () => (failing && ++calls % 10 !== 0 ? { code: Status.UNAVAILABLE, details: 'replica in trouble' } : undefined),
    });
    t.teardown(() => server.stop());
    servers.push(server);
  }
  return { servers, bad: servers[2]!, target: `ipv4:${servers.map((server) => server.address).join(',')}` };
}

/** Makes `count` calls, 4 at a time; returns how many failed. */
async function calls(client: BookClient, count: number): Promise<number> {
  let failed = 0;
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started += 1;
      await getBook(client, 'b1').catch((error: ServiceError) => {
        if (error.code !== Status.UNAVAILABLE) throw error;
        failed += 1;
      });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return failed;
}

test('a replica failing most calls is ejected, the error rate falls to zero, and it is tried again after the ejection time', async (t) => {
  const { bad, target } = await replicas(t);
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        services: [{
          name: 'book-service',
          address: target,
          connect: 'eager',
          load_balancing: 'round_robin',
          outlier_detection: {
            enabled: true,
            interval: `${INTERVAL_MS}ms`,
            base_ejection_time: `${BASE_EJECTION_MS}ms`,
            failure_percentage: { threshold: 50, minimum_hosts: 3, request_volume: 10 },
          },
        }],
      },
    },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  const client = clients['book-service'];

  const before = await calls(client, 90);
  t.log(`before ejection: ${before} of 90 calls failed`);
  t.true(before > 0, 'the bad replica is in the rotation at first');

  // Ejection happens at the next interval with enough calls counted: call until a batch no longer reaches it.
  const waitStarted = Date.now();
  for (let seen = bad.received.length; ; seen = bad.received.length) {
    await calls(client, 30);
    if (bad.received.length === seen) break;
    if (Date.now() - waitStarted > 15_000) throw new Error('the failing replica was never ejected');
  }
  const ejectedAt = Date.now();

  const atBad = bad.received.length;
  const after = await calls(client, 90);
  t.log(`after ejection: ${after} of 90 calls failed`);
  t.is(after, 0, 'no call fails while the replica is ejected');
  t.is(bad.received.length, atBad, 'the ejected replica gets no calls');

  // It is unejected at the first interval after base_ejection_time and gets calls again.
  while (bad.received.length === atBad) {
    await calls(client, 4);
    if (Date.now() - ejectedAt > BASE_EJECTION_MS + 15_000) throw new Error('the ejected replica never came back');
  }
  const backAfter = Date.now() - ejectedAt;
  t.log(`back in rotation ${backAfter}ms after the ejection was seen (base_ejection_time ${BASE_EJECTION_MS}ms, interval ${INTERVAL_MS}ms)`);
  t.true(backAfter >= BASE_EJECTION_MS / 2, `came back after ${backAfter}ms`);
});

test('with least_request the failing replica is ejected too: not even re-measurement calls reach it while ejected', async (t) => {
  const { bad, target } = await replicas(t);
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        services: [{
          name: 'book-service',
          address: target,
          connect: 'eager',
          load_balancing: 'least_request',
          // least_request already sends a failing replica only its ~1/s re-measurement calls: judge on one.
          outlier_detection: { enabled: true, interval: '500ms', base_ejection_time: '30s', failure_percentage: { threshold: 50, minimum_hosts: 3, request_volume: 1 } },
        }],
      },
    },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  const client = clients['book-service'];

  // Ejected at the first interval that saw one of its calls (its first calls come at once: it is new).
  const started = Date.now();
  while (Date.now() - started < 2_000) await calls(client, 40);
  const atBad = bad.received.length;
  t.true(atBad > 0, 'it was tried');
  // Not ejected, it would be tried again about every second (its slowness fades, see DECAY_MS).
  while (Date.now() - started < 4_500) await calls(client, 40);
  t.is(bad.received.length, atBad, 'no call reached it in 2.5 s while ejected');
});
