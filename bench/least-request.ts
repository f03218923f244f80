// How least_request spreads calls: four replica processes on 127.0.0.1-4 (one port), the SDK's promise
// client calling them. Prints each replica's share of calls per run (equal replicas at 200 calls/s open
// loop, and at 64 closed loops), then one replica slowed by 250 ms (its share, p50/p99) and recovered.
// Usage: node bench/least-request.ts [runs=5] [policy=least_request]
import type { ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { init, type ServiceConfigInput } from '../src/index.ts';
import { loadBookProto } from './book-proto.ts';
import { start, stop } from './processes.ts';

const runs = Number(process.argv[2] ?? 5);
const policy = (process.argv[3] ?? 'least_request') as ServiceConfigInput['load_balancing'];
const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const RATE = 200;
const WINDOW_MS = 2_000;
const SLOW_MS = 250;

interface Replica {
  child: ChildProcess;
  host: string;
}

async function startReplicas(): Promise<{ replicas: Replica[]; address: string }> {
  const replicas: Replica[] = [];
  let port = 0;
  for (const host of HOSTS) {
    const { child, message } = await start<{ port: number }>('replica.ts', [host, String(port)]);
    port = message.port;
    replicas.push({ child, host });
  }
  return { replicas, address: `ipv4:${HOSTS.map((host) => `${host}:${port}`).join(',')}` };
}

function setDelay(replica: Replica, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    replica.child.once('message', () => resolve());
    replica.child.send({ delayMs });
  });
}

interface Served {
  host: string;
  at: number;
  ms: number;
}

async function client(address: string) {
  const { BookService } = loadBookProto(grpc).book.v1;
  const sdk = await init({
    config: { grpc_clients: { services: [{ name: 'books', address, load_balancing: policy, connect: 'eager' }], telemetry: { enabled: false } } },
    clients: { books: BookService },
    env: {},
  });
  const served: Served[] = [];
  const call = async () => {
    const started = performance.now();
    const book = await sdk.clients.books.getBook({ id: 'b1' });
    served.push({ host: book.title, at: started, ms: performance.now() - started });
  };
  return { sdk, served, call };
}

/** Calls at `rate` per second, not waiting for answers (open loop), for `ms`; resolves when all answered. */
async function openLoop(call: () => Promise<void>, rate: number, ms: number): Promise<void> {
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000);
    for (; sent < due; sent++) pending.push(call());
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
}

async function closedLoops(call: () => Promise<void>, loops: number, ms: number): Promise<void> {
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: loops }, async () => {
    while (performance.now() < end) await call();
  }));
}

function shares(served: Served[], from = -Infinity, to = Infinity): number[] {
  const counted = served.filter((entry) => entry.at >= from && entry.at < to);
  return HOSTS.map((host) => counted.filter((entry) => entry.host === host).length / Math.max(1, counted.length));
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
/** The largest distance of a share from the mean (1/4), relative to the mean. */
const worstDeviation = (values: number[]) => Math.max(...values.map((share) => Math.abs(share * HOSTS.length - 1)));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const { replicas, address } = await startReplicas();
try {
  console.log(`policy ${policy}, replicas ${HOSTS.join(' ')}`);
  for (const [name, drive] of [
    [`equal replicas, ${RATE} calls/s open loop, ${WINDOW_MS} ms`, (call: () => Promise<void>) => openLoop(call, RATE, WINDOW_MS)],
    [`equal replicas, 64 closed loops, ${WINDOW_MS} ms`, (call: () => Promise<void>) => closedLoops(call, 64, WINDOW_MS)],
  ] as const) {
    console.log(name);
    for (let run = 1; run <= runs; run++) {
      const { sdk, served, call } = await client(address);
      await drive(call);
      const values = shares(served);
      // Each replica's median latency says whether a replica with a small share was in fact slower then.
      const medians = HOSTS.map((host) => percentile(served.filter((entry) => entry.host === host).map((entry) => entry.ms), 0.5).toFixed(1));
      console.log(`  run ${run}: ${values.map(percent).join(' / ')}  (${served.length} calls, worst ${percent(worstDeviation(values))} off the mean; p50 ${medians.join(' / ')} ms)`);
      await sdk.shutdown();
    }
  }

  console.log(`one replica (${HOSTS[3]}) slowed by ${SLOW_MS} ms, ${RATE} calls/s open loop, 5 s, then recovered`);
  for (let run = 1; run <= runs; run++) {
    await setDelay(replicas[3]!, SLOW_MS);
    const { sdk, served, call } = await client(address);
    await openLoop(call, RATE, 5_000);
    const slowShare = shares(served)[3]!;
    const ms = served.map((entry) => entry.ms);
    const slowPhase = served.length;
    await setDelay(replicas[3]!, 0);
    const recoveredAt = performance.now();
    await openLoop(call, RATE, 4_000);
    const recovered = served.slice(slowPhase);
    // The first 500 ms window, from recovery, in which the replica got at least 75% of an equal share.
    let backAfter = 'not within 4 s';
    for (let from = recoveredAt; from < recoveredAt + 3_500; from += 100) {
      if (shares(recovered, from, from + 500)[3]! >= 0.75 / HOSTS.length) {
        backAfter = `${Math.round(from - recoveredAt)} ms`;
        break;
      }
    }
    console.log(`  run ${run}: slow share ${percent(slowShare)}, p50 ${percentile(ms, 0.5).toFixed(1)} ms, p99 ${percentile(ms, 0.99).toFixed(1)} ms; recovered: share back after ${backAfter}, share over the 4 s ${percent(shares(recovered)[3]!)}`);
    await sdk.shutdown();
  }
} finally {
  await Promise.all(replicas.map((replica) => stop(replica.child)));
}
