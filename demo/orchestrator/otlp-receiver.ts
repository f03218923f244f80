// A tiny OTLP/HTTP receiver (JSON encoding, what @opentelemetry/exporter-trace-otlp-http sends) that
// the demo's services export their spans to, so `npm run demo` can draw a trace without Jaeger.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  /** service.name of the process that sent it. */
  service: string;
  startNs: bigint;
  endNs: bigint;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  attributes: Record<string, string | number | boolean>;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private readonly server: Server;
  private readonly waiters = new Set<() => void>();

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') {
          if (!String(request.headers['content-type']).includes('json')) {
            response.writeHead(415).end('this receiver reads OTLP JSON only');
            return;
          }
          this.accept(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest);
        }
        // Metrics and logs are accepted and dropped: the demo reads metrics from the Prometheus endpoints.
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server.listen(port, host);
    await once(this.server, 'listening');
    const address = this.server.address() as { port: number };
    return `http://${host}:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** Resolves once `done(spans)` holds for what has arrived, or rejects after `timeoutMs`. */
  async waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs: number): Promise<void> {
    if (done(this.spans)) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done(this.spans)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`spans did not arrive within ${timeoutMs}ms (${this.spans.length} received)`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private accept(body: ExportRequest): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = String(attributeValue(resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value) ?? 'unknown');
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind ?? 0,
            service,
            startNs: nanos(span.startTimeUnixNano),
            endNs: nanos(span.endTimeUnixNano),
            statusCode: span.status?.code ?? 0,
            statusMessage: span.status?.message ?? '',
            attributes: Object.fromEntries((span.attributes ?? []).map(({ key, value }) => [key, attributeValue(value) ?? ''])),
          });
        }
      }
    }
    for (const check of [...this.waiters]) check();
  }
}

// The OTLP JSON shapes this receiver reads (a subset of opentelemetry-proto's trace service).
interface ExportRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
type Nanos = string | number | { low: number; high: number };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
}

function attributeValue(value: AnyValue | undefined): string | number | boolean | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue;
}

function nanos(value: Nanos): bigint {
  if (typeof value === 'object') return (BigInt(value.high >>> 0) << 32n) + BigInt(value.low >>> 0);
  return typeof value === 'number' ? BigInt(Math.round(value)) : BigInt(value);
}
