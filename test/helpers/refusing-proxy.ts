// An HTTP/2 proxy in front of a real server that refuses the streams a test picks with RST_STREAM
// REFUSED_STREAM (what a server's HTTP/2 layer sends for a stream its application never saw) and
// forwards every other stream as it is: request headers and messages, response headers, messages and trailers.
import { connect, constants, createServer, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session } from 'node:http2';

export interface RefusingProxy {
  readonly address: string;
  /** Request headers of every stream the proxy saw, in order, refused ones included. */
  readonly streams: IncomingHttpHeaders[];
  /** Streams refused so far. */
  readonly refused: number;
  close(): Promise<void>;
}

/** Headers HTTP/2 forbids a proxy to copy, and pseudo-headers, which are set per direction. */
function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const copy: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':') && value !== undefined) copy[name] = value;
  return copy;
}

/** `refuse(n)` decides the n-th stream (1-based) the proxy sees. */
export async function startRefusingProxy(target: string, refuse: (stream: number) => boolean): Promise<RefusingProxy> {
  const streams: IncomingHttpHeaders[] = [];
  let refused = 0;
  let upstream: ClientHttp2Session | undefined;
  const sessions = new Set<ServerHttp2Session>();
  const server = createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    streams.push(headers);
    stream.on('error', () => {});
    if (refuse(streams.length)) {
      refused += 1;
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (!upstream || upstream.destroyed) upstream = connect(`http://${target}`);
    const forwarded = upstream.request({ ':method': 'POST', ':path': headers[':path'], ...forwardable(headers) });
    let trailers: OutgoingHttpHeaders = {};
    forwarded.on('response', (responseHeaders, flags) => {
      // A trailers-only response (a status and nothing else) must stay one, or the client finds no status.
      const endStream = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      stream.respond({ ':status': responseHeaders[':status'], ...forwardable(responseHeaders) }, endStream ? { endStream } : { waitForTrailers: true });
    });
    forwarded.on('trailers', (received) => (trailers = forwardable(received)));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    forwarded.on('data', (chunk: Buffer) => stream.write(chunk));
    forwarded.on('end', () => stream.end());
    stream.on('data', (chunk: Buffer) => forwarded.write(chunk));
    stream.on('end', () => forwarded.end());
    // A stream reset on one side is reset on the other (a cancelled call stays cancelled).
    stream.on('close', () => stream.rstCode !== constants.NGHTTP2_NO_ERROR && forwarded.close(stream.rstCode));
    forwarded.on('close', () => forwarded.rstCode !== constants.NGHTTP2_NO_ERROR && stream.close(forwarded.rstCode));
    forwarded.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    streams,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        upstream?.destroy();
        server.close(() => resolve());
        // Open client sessions would keep close() waiting.
        for (const session of sessions) session.destroy();
      }),
  };
}
