// Replicas of the book service on 127.0.0.1, .2, .3 (one port) behind one DNS name, steady or paced traffic
// through the SDK, and the one function that makes a call, so the call API can be swapped in a single place.
import { EventEmitter, once } from 'node:events';
import { getBook, type BookClient, type CallFailure } from './calls.ts';
import { startBookServer, type RunningServer } from './servers.ts';

export interface Replica extends RunningServer {
  readonly host: string;
  /** Calls this replica has answered. */
  served: number;
  /** How long it waits before each answer; a test may change it while calls run. */
  delayMs: number;
  /** Emits 'call' for every call it receives. */
  readonly events: EventEmitter;
  /** Graceful stop (server.tryShutdown): refuses new calls, lets the ones in flight finish. */
  drain(): Promise<void>;
}

/** Starts one replica per host on one shared port (the port of the first). */
export async function startReplicas(hosts: string[], delayMs = 0): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (const host of hosts) replicas.push(await startReplica(host, replicas[0]?.port ?? 0, delayMs));
  return replicas;
}

export async function startReplica(host: string, port: number, delayMs = 0): Promise<Replica> {
  const events = new EventEmitter();
  let replica: Replica | undefined;
  const server = await startBookServer({
    host,
    port,
    onGetBook: async () => {
      replica!.served += 1;
      events.emit('call');
      if (replica!.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, replica!.delayMs));
    },
  });
  replica = Object.assign(server, {
    host,
    served: 0,
    delayMs,
    events,
    drain: () => new Promise<void>((resolve) => server.server.tryShutdown(() => resolve())),
  });
  return replica;
}

/** Resolves when the replica has answered `count` calls in all. */
export async function servedAtLeast(replica: Replica, count: number): Promise<void> {
  while (replica.served < count) await once(replica.events, 'call');
}

/** The one place a test makes a call: swap this when the call API changes. */
export function call(client: BookClient): Promise<unknown> {
  return getBook(client, 'b1');
}

export interface Traffic {
  readonly ok: number;
  readonly failures: CallFailure[];
  stop(): Promise<void>;
}

/** `concurrency` loops each making one call after another until stop(). */
export function steadyTraffic(client: BookClient, concurrency = 4): Traffic {
  let running = true;
  const traffic = { ok: 0, failures: [] as CallFailure[] };
  const loop = async () => {
    while (running) {
      try {
        await call(client);
        traffic.ok += 1;
      } catch (error) {
        traffic.failures.push(error as CallFailure);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return Object.assign(traffic, {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  });
}

/**
 * `total` calls at `perSecond` calls a second, each started on time whether or not the earlier ones have
 * answered (open loop: how independent users load a service); resolves when all have answered.
 */
export async function pacedCalls(client: BookClient, perSecond: number, total: number): Promise<void> {
  const calls: Promise<unknown>[] = [];
  const started = performance.now();
  while (calls.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * perSecond) / 1_000) + 1);
    while (calls.length < due) calls.push(call(client));
    await new Promise((resolve) => setTimeout(resolve, 1_000 / perSecond));
  }
  await Promise.all(calls);
}
