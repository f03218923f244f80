// The SDK's DNS resolver for grpc-js (scheme grpcclient-dns): resolves when grpc-js asks and every
// resolve_interval, one lookup at a time, never sooner than min_resolve_interval after the last one.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { experimental, status as Status, type ChannelOptions } from '@grpc/grpc-js';
import { backgroundScheduler, type BackgroundScheduler } from '../call/scheduler.ts';

/** The URI scheme this resolver answers; target.ts maps dns targets with a host name onto it. */
export const RESOLVER_SCHEME = 'grpcclient-dns';
/** Channel option carrying the service's resolve_interval in ms (0: resolve only when grpc-js asks). */
export const RESOLVE_INTERVAL_OPTION = 'grpcclient.resolve_interval_ms';
/** Channel option carrying the service's min_resolve_interval in ms. */
export const MIN_RESOLVE_INTERVAL_OPTION = 'grpcclient.min_resolve_interval_ms';

/** Time and chance as the resolver sees them, injected in tests so the spacing rules are checked without waiting. */
export type Scheduler = BackgroundScheduler;

/**
 * After a failed lookup the next one waits as a failed connection does (gRPC connection backoff: x1.6
 * per failure, ±20% jitter, between grpc.initial_reconnect_backoff_ms and grpc.max_reconnect_backoff_ms,
 * the options grpc-js's own DNS resolver backs off with).
 */
const BACKOFF_MULTIPLIER = 1.6;
const BACKOFF_JITTER = 0.2;
const DEFAULT_INITIAL_BACKOFF_MS = 1_000;
const DEFAULT_MAX_BACKOFF_MS = 120_000;
/** grpc-js's grpc.dns_min_time_between_resolutions_ms default; the config's own default is in schema.ts. */
const DEFAULT_MIN_RESOLVE_INTERVAL_MS = 30_000;

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

/**
 * Every lookup starts in resolve(), and only when nothing holds it back: a lookup in flight answers the
 * asks that come meanwhile; after a good answer none starts sooner than min_resolve_interval after the
 * last start (grpc-js's rule), after a failure none sooner than the backoff; an ask held back schedules
 * one lookup at the end of the wait, and more asks join it. Each connection failure asks (grpc-js's
 * policies do), so without this a refusing replica made thousands of lookups a second (issue 15).
 */
export class PeriodicDnsResolver implements experimental.Resolver {
  private readonly host: string;
  private readonly port: number;
  private readonly intervalMs: number;
  private readonly minIntervalMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly lookup: Lookup;
  private readonly scheduler: Scheduler;
  private readonly listener: experimental.ResolverListener;
  private readonly target: experimental.GrpcUri;
  /** Bumped by destroy(): answers of lookups started before it are dropped. */
  private generation = 0;
  private inFlight = false;
  /** grpc-js asked (updateResolution) since the last report: the next answer is reported even if unchanged. */
  private asked = false;
  /** Lookups failed in a row (a rejected answer counts too); sets the backoff. */
  private failures = 0;
  /** Before this instant (scheduler clock) no lookup starts: last start + min_resolve_interval, or the backoff's end. */
  private notBefore = 0;
  /** The one timer for the next lookup: periodic, retry after a failure, or an ask held back. */
  private timer: unknown;
  private timerAt = Infinity;
  /** What was last reported: a set key, "error", or undefined before the first report. */
  private reported: string | undefined;

  constructor(target: experimental.GrpcUri, listener: experimental.ResolverListener, options: ChannelOptions, scheduler: Scheduler = backgroundScheduler) {
    const hostPort = experimental.splitHostPort(target.path);
    if (!hostPort?.host || hostPort.port === undefined) throw new Error(`${experimental.uriToString(target)}: host:port expected`);
    this.target = target;
    this.host = hostPort.host;
    this.port = hostPort.port;
    this.listener = listener;
    this.intervalMs = Number(options[RESOLVE_INTERVAL_OPTION] ?? 0);
    this.minIntervalMs = Number(options[MIN_RESOLVE_INTERVAL_OPTION] ?? DEFAULT_MIN_RESOLVE_INTERVAL_MS);
    this.initialBackoffMs = Number(options['grpc.initial_reconnect_backoff_ms'] ?? DEFAULT_INITIAL_BACKOFF_MS);
    this.maxBackoffMs = Number(options['grpc.max_reconnect_backoff_ms'] ?? DEFAULT_MAX_BACKOFF_MS);
    this.lookup = isIP(this.host) ? async (host) => [host] : lookupFor(target.authority);
    this.scheduler = scheduler;
  }

  /** grpc-js asks at connect and after connection failures; the ask is answered by the next lookup. */
  updateResolution(): void {
    this.asked = true;
    if (this.inFlight) return;
    const now = this.scheduler.now();
    if (now >= this.notBefore) this.resolve();
    else this.scheduleAt(this.notBefore);
  }

  destroy(): void {
    this.generation += 1;
    this.inFlight = false;
    this.asked = false;
    this.reported = undefined;
    this.failures = 0;
    this.notBefore = 0;
    this.stopTimer();
  }

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return target.path;
  }

  private resolve(): void {
    this.stopTimer();
    this.inFlight = true;
    // Set before the answer is reported: grpc-js's policies ask again from inside the report.
    this.notBefore = this.scheduler.now() + this.minIntervalMs;
    const generation = this.generation;
    const done = (result: Address[] | Error) => {
      if (generation !== this.generation) return;
      this.inFlight = false;
      const accepted = this.report(result);
      this.planNext(accepted && !(result instanceof Error));
    };
    this.lookup(this.host).then(
      (hosts) => done(hosts.map((host) => ({ host, port: this.port }))),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Sets when the next lookup may start and, if one is due on its own, schedules it. */
  private planNext(succeeded: boolean): void {
    const now = this.scheduler.now();
    if (succeeded) {
      this.failures = 0;
      // Counted from the end of a lookup, so a slow DNS server is never asked twice at once.
      if (this.intervalMs > 0) this.scheduleAt(Math.max(now + this.intervalMs, this.notBefore));
      return;
    }
    // A failure is tried again on its own (as gRPC core's resolvers do), so a name that starts to exist
    // is found without waiting for a connection failure; never later than the periodic lookup would be.
    this.failures += 1;
    const backoff = Math.min(this.initialBackoffMs * BACKOFF_MULTIPLIER ** (this.failures - 1), this.maxBackoffMs);
    const jittered = backoff * (1 + BACKOFF_JITTER * (2 * this.scheduler.random() - 1));
    this.notBefore = now + (this.intervalMs > 0 ? Math.min(jittered, this.intervalMs) : jittered);
    // The backoff, not the min_resolve_interval, spaces lookups after a failure (grpc-js's rule).
    this.stopTimer();
    this.scheduleAt(this.notBefore);
  }

  /** One timer for the next lookup: an earlier instant replaces a later one, a later one joins it. */
  private scheduleAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.stopTimer();
    this.timerAt = at;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.resolve();
    }, Math.max(0, at - this.scheduler.now()));
  }

  /**
   * Periodic lookups report only a changed set (or a new failure); a lookup grpc-js asked for is always
   * answered, as grpc-js's own resolver does. Returns false when the policy rejected the addresses,
   * which grpc-js's resolver treats as a failed resolution (backed off and tried again).
   */
  private report(result: Address[] | Error): boolean {
    const key = result instanceof Error ? 'error' : setKey(result);
    if (key === this.reported && !this.asked) return true;
    this.reported = key;
    this.asked = false;
    if (result instanceof Error) {
      // grpc-js keeps using the addresses it has when resolution fails, so a DNS outage drops no replica.
      const details = `DNS resolution of ${experimental.uriToString(this.target)} failed: ${result.message}`;
      this.listener(experimental.statusOrFromError({ code: Status.UNAVAILABLE, details }), {}, null, '');
      return true;
    }
    // One endpoint per address, as grpc-js's DNS resolver reports them. No service config (null): the
    // SDK's load_balancing setting stays in force; DNS TXT records do not override it.
    const accepted = this.listener(experimental.statusOrFromValue(result.map((address) => ({ addresses: [address] }))), {}, null, '');
    if (!accepted) this.reported = undefined;
    return accepted;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

let registered = false;

/** Registers the resolver with grpc-js once per process (grpc-js keeps one global scheme table). */
export function registerDnsResolver(): void {
  if (registered) return;
  experimental.registerResolver(RESOLVER_SCHEME, PeriodicDnsResolver);
  registered = true;
}
