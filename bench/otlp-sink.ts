// The OTLP HTTP sink, in its own process: accepts traces, metrics and logs like a collector would,
// counts the spans it receives (JSON or protobuf), and answers GET /counts with the running totals.
import { createServer } from 'node:http';
import { countJsonSpans, countProtobufSpans } from './otlp-count.ts';

const totals = { spans: 0, rootSpans: 0, traceRequests: 0, metricRequests: 0, logRequests: 0, badRequests: 0 };

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/counts') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(totals));
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const protobuf = (request.headers['content-type'] ?? '').includes('protobuf');
    try {
      if (request.url === '/v1/traces') {
        // The exporters gzip nothing by default; a compressed body would fail to parse and be counted as bad.
        const count = protobuf ? countProtobufSpans(Buffer.concat(chunks)) : countJsonSpans(Buffer.concat(chunks));
        totals.spans += count.spans;
        totals.rootSpans += count.rootSpans;
        totals.traceRequests++;
      } else if (request.url === '/v1/metrics') totals.metricRequests++;
      else if (request.url === '/v1/logs') totals.logRequests++;
    } catch {
      totals.badRequests++;
    }
    // An empty Export*ServiceResponse means full success in both encodings.
    response.writeHead(200, { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' }).end(protobuf ? '' : '{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('sink: no TCP address');
  process.send?.({ port: address.port });
});
process.on('disconnect', () => server.close());
