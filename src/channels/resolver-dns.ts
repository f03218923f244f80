// The SDK's DNS resolver for grpc-js (scheme grpcclient-dns): resolves when grpc-js asks, as grpc-js's own
// does, and again every resolve_interval, so replicas added behind a name get calls without a restart.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { experimental, status as Status, type ChannelOptions } from '@grpc/grpc-js';

/** The URI scheme this resolver answers; target.ts maps dns targets with a host name onto it. */
export const RESOLVER_SCHEME = 'grpcclient-dns';
/** Channel option carrying the service's resolve_interval in ms (0: resolve only when grpc-js asks). */
export const RESOLVE_INTERVAL_OPTION = 'grpcclient.resolve_interval_ms';

/** Timers the resolver uses; injected in tests so the interval rule is checked without waiting. */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realScheduler: Scheduler = {
  // unref: a resolution timer alone must never keep the process alive.
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

type Address = { host: string; port: number };
type Lookup = (host: string) => Promise<string[]>;

/**
 * No DNS server named: the operating system's resolver (dns.lookup: /etc/hosts, nsswitch), as grpc-js does.
 * `dns://<server>/name:port`: ask that server (A and AAAA); grpc-js ignores that authority unless
 * GRPC_NODE_USE_ALTERNATIVE_RESOLVER is set.
 */
function lookupFor(dnsServer: string | undefined): Lookup {
  if (!dnsServer) return async (host) => (await dns.lookup(host, { all: true })).map((entry) => entry.address);
  const resolver = new dns.Resolver();
  resolver.setServers([dnsServer]);
  return async (host) => {
    const results = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    if (addresses.length === 0) {
      const failure = results.find((result) => result.status === 'rejected');
      throw failure ? failure.reason : new Error(`${host} has no A or AAAA records`);
    }
    return addresses;
  };
}

/** A set key: DNS servers rotate record order, and a new order is not a new set of replicas. */
function setKey(addresses: Address[]): string {
  return addresses.map((address) => `${address.host}|${address.port}`).sort().join(',');
}

export class PeriodicDnsResolver implements experimental.Resolver {
  private readonly host: string;
  private readonly port: number;
  private readonly intervalMs: number;
  private readonly lookup: Lookup;
  private readonly scheduler: Scheduler;
  private readonly listener: experimental.ResolverListener;
  private readonly target: experimental.GrpcUri;
  /** Bumped by destroy(): answers of lookups started before it are dropped. */
  private generation = 0;
  private pending = false;
  /** grpc-js asked (updateResolution) since the last report: the next answer is reported even if unchanged. */
  private asked = false;
  private timer: unknown;
  /** What was last reported: a set key, "error", or undefined before the first report. */
  private reported: string | undefined;

  constructor(target: experimental.GrpcUri, listener: experimental.ResolverListener, options: ChannelOptions, scheduler: Scheduler = realScheduler) {
    const hostPort = experimental.splitHostPort(target.path);
    if (!hostPort?.host || hostPort.port === undefined) throw new Error(`${experimental.uriToString(target)}: host:port expected`);
    this.target = target;
    this.host = hostPort.host;
    this.port = hostPort.port;
    this.listener = listener;
    this.intervalMs = Number(options[RESOLVE_INTERVAL_OPTION] ?? 0);
    this.lookup = isIP(this.host) ? async (host) => [host] : lookupFor(target.authority);
    this.scheduler = scheduler;
  }

  /** grpc-js asks at connect and when a connection fails; a lookup already under way answers it. */
  updateResolution(): void {
    this.asked = true;
    if (!this.pending) this.resolve();
  }

  destroy(): void {
    this.generation += 1;
    this.pending = false;
    this.asked = false;
    this.reported = undefined;
    this.stopTimer();
  }

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return target.path;
  }

  private resolve(): void {
    this.stopTimer();
    this.pending = true;
    const generation = this.generation;
    const done = (result: Address[] | Error) => {
      if (generation !== this.generation) return;
      this.pending = false;
      this.report(result);
      // Counted from the end of a lookup, so a slow DNS server is never asked twice at once.
      if (this.intervalMs > 0) this.timer = this.scheduler.setTimeout(() => this.resolve(), this.intervalMs);
    };
    this.lookup(this.host).then(
      (hosts) => done(hosts.map((host) => ({ host, port: this.port }))),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /**
   * Periodic lookups report only a changed set (or a new failure); a lookup grpc-js asked for is
   * always answered, as grpc-js's own resolver does, because its request backoff resets on an answer.
   */
  private report(result: Address[] | Error): void {
    const key = result instanceof Error ? 'error' : setKey(result);
    if (key === this.reported && !this.asked) return;
    this.reported = key;
    this.asked = false;
    if (result instanceof Error) {
      // grpc-js keeps using the addresses it has when resolution fails, so a DNS outage drops no replica.
      const details = `DNS resolution of ${experimental.uriToString(this.target)} failed: ${result.message}`;
      this.listener(experimental.statusOrFromError({ code: Status.UNAVAILABLE, details }), {}, null, '');
      return;
    }
    // One endpoint per address, as grpc-js's DNS resolver reports them. No service config (null): the
    // SDK's load_balancing setting stays in force; DNS TXT records do not override it.
    this.listener(experimental.statusOrFromValue(result.map((address) => ({ addresses: [address] }))), {}, null, '');
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

let registered = false;

/** Registers the resolver with grpc-js once per process (grpc-js keeps one global scheme table). */
export function registerDnsResolver(): void {
  if (registered) return;
  experimental.registerResolver(RESOLVER_SCHEME, PeriodicDnsResolver);
  registered = true;
}
