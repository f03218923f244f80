// Why a channel did not become READY, in words: grpc-js reports only a state, so after a failed
// connect we dial the target once ourselves (TCP, then TLS with the same files) and say what broke.
import { readFileSync } from 'node:fs';
import { isIP, Socket, connect as tcpConnect } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { ServiceConfig } from '../config/types.ts';
import type { ParsedTarget } from './target.ts';

const PROBE_TIMEOUT_MS = 2_000;

/** A sentence naming the failing layer (TCP, TLS) and the error; undefined when the target cannot be probed. */
export async function diagnoseConnectFailure(service: ServiceConfig, target: ParsedTarget): Promise<string | undefined> {
  if (target.port === undefined) return undefined;
  const { host, port } = target;
  const tcpError = await probe(tcpConnect({ host, port }), 'connect');
  if (tcpError) return `TCP connect to ${host}:${port} failed: ${tcpError}`;
  if (!service.tls.enabled) return `TCP connects to ${host}:${port}, but no HTTP/2 connection was established (is it a gRPC server, and plaintext?)`;

  const { tls } = service;
  const name = tls.server_name || host;
  const socket = tlsConnect({
    host,
    port,
    ...(isIP(name) ? {} : { servername: name }),
    ALPNProtocols: ['h2'],
    ca: tls.ca_file ? readFileSync(tls.ca_file) : undefined,
    cert: tls.cert_file ? readFileSync(tls.cert_file) : undefined,
    key: tls.key_file ? readFileSync(tls.key_file) : undefined,
    checkServerIdentity: (_host, certificate) => checkServerIdentity(name, certificate),
  });
  const tlsError = await probe(socket, 'secureConnect');
  if (tlsError) return `TLS handshake with ${host}:${port} failed: ${tlsError}`;
  return `TLS handshake with ${host}:${port} succeeds, but no HTTP/2 connection was established`;
}

/** Waits for `readyEvent` or an error; returns the error message, or undefined on success. */
function probe(socket: Socket | TLSSocket, readyEvent: 'connect' | 'secureConnect'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const finish = (result: string | undefined) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(`no answer within ${PROBE_TIMEOUT_MS}ms`));
    socket.once(readyEvent, () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code && !error.message.includes(error.code) ? `${error.message} (${error.code})` : error.message));
  });
}
