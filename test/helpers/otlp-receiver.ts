// A real HTTP endpoint that accepts OTLP/HTTP JSON posts (what the OTLP HTTP exporters send) and keeps
// the decoded requests, for tests of the exporter path end to end.
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface OtlpReceiver {
  url: string;
  /** Decoded request bodies per path ("/v1/traces", "/v1/metrics"). */
  received: Map<string, unknown[]>;
  /** Resolves once a post to `path` arrived whose body satisfies `accept`. */
  waitFor(path: string, accept: (body: unknown) => boolean): Promise<unknown>;
  close(): Promise<void>;
}

export interface OtlpReceiverOptions {
  /** The HTTP status every post is answered with (default 200); 503 plays a collector that is not ready. */
  status?: number;
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const received = new Map<string, unknown[]>();
  const waiters: { path: string; accept: (body: unknown) => boolean; resolve: (body: unknown) => void }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      const body: unknown = JSON.parse(text);
      const path = request.url ?? '';
      received.set(path, [...(received.get(path) ?? []), body]);
      for (const waiter of waiters.filter((candidate) => candidate.path === path && candidate.accept(body))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(body);
      }
      response.writeHead(options.status ?? 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor: (path, accept) => {
      const already = (received.get(path) ?? []).find(accept);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ path, accept, resolve }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
