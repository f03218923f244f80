// A TCP proxy between a client and a real server that injects network faults on demand: added latency,
// a blackhole (bytes vanish, sockets stay open), resets (RST) and refused connections. Also a peer that
// accepts TCP and never speaks HTTP/2 (grpc-node #2785).
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode =
  /** Bytes flow both ways. */
  | 'pass'
  /** Bytes flow, each chunk held back by `delayMs`. */
  | 'delay'
  /** Connections stay open and every byte is dropped, both ways: a half-open peer. */
  | 'blackhole'
  /** New connections are accepted and closed at once. */
  | 'refuse';

export interface FaultProxy {
  readonly port: number;
  readonly address: string;
  /** Open client connections. */
  readonly connections: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  setMode(mode: ProxyMode, delayMs?: number): void;
  /** Resets (TCP RST) every open connection, both sides. */
  resetAll(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let mode: ProxyMode = 'pass';
  let delayMs = 0;
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();

  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      if (mode === 'delay') setTimeout(() => to.writable && to.write(chunk), delayMs);
      else if (to.writable) to.write(chunk);
    });
    from.on('end', () => to.end());
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    if (mode === 'refuse') return client.destroy();
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const closeBoth = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', closeBoth);
      socket.on('close', closeBoth);
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    setMode(next, delay = 0) {
      mode = next;
      delayMs = delay;
    },
    resetAll() {
      for (const [client, upstream] of [...pairs]) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
    },
    close() {
      for (const [client, upstream] of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SilentPeer {
  readonly port: number;
  readonly address: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections the client closed (the peer never closes one itself). */
  readonly closedByClient: number;
  /** Resolves once `condition` holds, checked after every accept and every close. */
  until(condition: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP server that accepts connections and never sends a byte: not an HTTP/2 peer, not a dead port.
 * On 127.0.0.1 and any free port unless told (a replica's address behind a DNS name).
 */
export async function startSilentPeer(host = '127.0.0.1', port = 0): Promise<SilentPeer> {
  const sockets = new Set<Socket>();
  const changes = new EventEmitter();
  let accepted = 0;
  let closedByClient = 0;
  let closing = false;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    // Read (and drop) what the client sends, so its FIN is seen and 'close' fires.
    socket.resume();
    socket.on('close', () => {
      sockets.delete(socket);
      if (!closing) closedByClient += 1;
      changes.emit('change');
    });
    changes.emit('change');
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    address: `${host}:${bound}`,
    get accepted() {
      return accepted;
    },
    get closedByClient() {
      return closedByClient;
    },
    until(condition) {
      return new Promise((resolve) => {
        const check = () => {
          if (!condition()) return;
          changes.off('change', check);
          resolve();
        };
        changes.on('change', check);
        check();
      });
    },
    close() {
      closing = true;
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
