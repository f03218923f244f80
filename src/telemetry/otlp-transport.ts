// How OTLP/HTTP exports go over the wire: one POST per attempt, retried with backoff while the collector is
// briefly unreachable, and stoppable at shutdown. OpenTelemetry 0.301's own transport waits between retries on
// timers nothing can cancel (open-telemetry/opentelemetry-js-contrib#3349), which kept processes alive for
// seconds after shutdown(); this one is OpenTelemetry's transport extension point, filled in by the SDK.
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { backgroundScheduler, type BackgroundScheduler } from '../call/scheduler.ts';

/** What OpenTelemetry's settings resolve to for one signal (URL, headers, compression, TLS agent), env included. */
export type OtlpHttpSettings = ReturnType<typeof convertLegacyHttpOptions>;

/** Responses the OTLP/HTTP specification calls retryable ("the server is not ready yet"). */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** Network failures worth another attempt: the collector restarting or briefly unreachable (OpenTelemetry's own list). */
const RETRYABLE_NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);
/** OpenTelemetry's spacing of retries, kept so that exports behave as they did: 1 s, then x1.5 up to 5 s, each ±20%. */
const FIRST_BACKOFF_MS = 1_000;
const BACKOFF_MULTIPLIER = 1.5;
const MAX_BACKOFF_MS = 5_000;
const JITTER = 0.2;
const MAX_RETRIES = 5;
/** A collector's answer is a few bytes; one that sends more is not a collector, and is not read to the end. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The clock, backoff timers and chance as the transport sees them (unref'd for real); tests hand it timers they fire. */
export type TransportTimers = BackgroundScheduler;

export interface TransportSignals {
  /** Aborted when shutdown starts: a retry still waiting goes at once, and every failure from then on is final. */
  lastAttempt: AbortSignal;
  /** Aborted when shutdown ends (or gives up at flush_timeout): requests in flight are cut and nothing is sent again. */
  cutOff: AbortSignal;
}

/** node:http or node:https, as the collector URL asks, with the agent for it. */
interface HttpClient {
  agent: Agent;
  request(url: URL, options: RequestOptions, onResponse: (response: IncomingMessage) => void): ClientRequest;
}

export class OtlpHttpTransport implements IExporterTransport {
  private readonly settings: OtlpHttpSettings;
  private readonly signals: TransportSignals;
  private readonly timers: TransportTimers;
  private client: Promise<HttpClient> | undefined;
  private readonly inFlight = new Set<ClientRequest>();
  /** Wakes the retries waiting for their backoff. */
  private readonly waiting = new Set<() => void>();

  constructor(settings: OtlpHttpSettings, signals: TransportSignals, timers: TransportTimers = backgroundScheduler) {
    this.settings = settings;
    this.signals = signals;
    this.timers = timers;
    // One listener each for the transport's lifetime, not one per request (an AbortSignal warns past ten).
    signals.lastAttempt.addEventListener('abort', () => this.wakeAll(), { once: true });
    signals.cutOff.addEventListener('abort', () => this.cutOff(), { once: true });
  }

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = this.timers.now() + timeoutMillis;
    let backoff = FIRST_BACKOFF_MS;
    for (let retries = 0; ; retries++) {
      const response = await this.attempt(data, deadline - this.timers.now());
      if (response.status !== 'retryable' || retries === MAX_RETRIES || this.signals.lastAttempt.aborted) return response;
      const delay = response.retryInMillis ?? backoff * (1 + JITTER * (2 * this.timers.random() - 1));
      backoff = Math.min(backoff * BACKOFF_MULTIPLIER, MAX_BACKOFF_MS);
      // A retry that could not finish within the export's time is not started.
      if (delay >= deadline - this.timers.now()) return response;
      await this.sleep(delay);
    }
  }

  /** Nothing to release here: the cutOff signal ends what is in flight, even when the exporter is never shut down. */
  shutdown(): void {}

  private async attempt(data: Uint8Array, timeoutMs: number): Promise<ExportResponse> {
    const [{ agent, request }, headers] = await Promise.all([(this.client ??= this.loadClient()), this.settings.headers()]);
    const gzipped = this.settings.compression === 'gzip';
    const body = gzipped ? await promisify(gzip)(data) : data;
    // The cut-off may have come while this attempt got ready: a request made now would never be cut.
    if (this.signals.cutOff.aborted) return { status: 'failure', error: new Error('OTLP export not sent: telemetry is shut down') };
    return new Promise((resolve) => {
      let settled = false;
      const settle = (response: ExportResponse) => {
        if (settled) return;
        settled = true;
        resolve(response);
      };
      const outgoing = { ...headers, 'Content-Length': String(body.byteLength), 'User-Agent': this.settings.userAgent ? `${this.settings.userAgent} grpcclient` : 'grpcclient', ...(gzipped ? { 'Content-Encoding': 'gzip' } : {}) };
      const req = request(new URL(this.settings.url), { method: 'POST', headers: outgoing, agent }, (response) => readResponse(response, settle));
      // The socket's own timer: no timer of ours to clear, and like every socket timeout it holds no process open.
      req.setTimeout(Math.max(timeoutMs, 1), () => req.destroy(Object.assign(new Error(`OTLP export timed out after ${Math.round(timeoutMs)}ms`), { code: 'ETIMEDOUT' })));
      this.inFlight.add(req);
      req.on('error', (error: NodeJS.ErrnoException) => settle(this.failed(error)));
      req.on('close', () => {
        this.inFlight.delete(req);
        settle({ status: 'failure', error: new Error('OTLP export connection closed before the collector answered') });
      });
      req.end(body);
    });
  }

  private failed(error: NodeJS.ErrnoException): ExportResponse {
    if (this.signals.cutOff.aborted) return { status: 'failure', error: new Error(`OTLP export cut off by shutdown: ${error.message}`) };
    return error.code !== undefined && RETRYABLE_NETWORK_ERRORS.has(error.code) ? { status: 'retryable', error } : { status: 'failure', error };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.timers.clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = this.timers.setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private cutOff(): void {
    this.wakeAll();
    for (const req of this.inFlight) req.destroy(new Error('telemetry shutdown'));
    // Keep-alive sockets too: the next export would otherwise find one, and an idle one is still a handle.
    void this.client?.then(({ agent }) => agent.destroy(), () => {});
  }

  /** The agent OpenTelemetry's settings describe (keep-alive, TLS material from OTEL_EXPORTER_OTLP_*), loaded on first use. */
  private async loadClient(): Promise<HttpClient> {
    const { protocol } = new URL(this.settings.url);
    const [agent, { request }] = await Promise.all([this.settings.agentFactory(protocol), protocol === 'https:' ? import('node:https') : import('node:http')]);
    return { agent, request };
  }
}

/** Reads the collector's answer: 2xx succeeds, the retryable codes (with their Retry-After) may be tried again, the rest fails. */
function readResponse(response: IncomingMessage, settle: (response: ExportResponse) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      response.destroy();
      return settle({ status: 'failure', error: new Error(`OTLP collector answer larger than ${MAX_RESPONSE_BYTES} bytes`) });
    }
    chunks.push(chunk);
  });
  // Cut off halfway (the collector went away): the batch may have arrived, so it is not sent twice.
  response.on('error', (error) => settle({ status: 'failure', error }));
  response.on('end', () => {
    const status = response.statusCode ?? 0;
    const body = Buffer.concat(chunks);
    if (status >= 200 && status < 300) return settle({ status: 'success', data: body });
    const error = new Error(`OTLP collector answered ${status} ${response.statusMessage ?? ''}: ${body.toString('utf8', 0, 200)}`.trim());
    if (!RETRYABLE_STATUS.has(status)) return settle({ status: 'failure', error });
    const retryIn = retryAfterMs(response.headers['retry-after']);
    settle(retryIn === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryInMillis: retryIn });
  });
}

/** Retry-After as seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(seconds, 0) * 1_000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(date - Date.now(), 0);
}
