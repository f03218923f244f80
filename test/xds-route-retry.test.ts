// An xDS route's retry policy under the call engine: grpc-js-xds hands it to grpc-js as a native
// retryPolicy, and the engine's own retries must stay the only ones (a file of its own: grpc-js-xds
// reads its bootstrap once per process, so this needs its own control plane).
import test from 'ava';
import { status as Status } from '@grpc/grpc-js';
import { init } from '../src/index.ts';
import { getBookError, TELEMETRY_OFF } from './helpers/calls.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';
import { startXdsServer } from './helpers/xds-server.ts';

test("a route's retry policy is not applied by grpc-js under the engine: with retry.max 0, one attempt reaches the server", async (t) => {
  const xds = await startXdsServer('books', { retryOn: 'unavailable', numRetries: 3 });
  t.teardown(() => xds.close());
  process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = xds.bootstrap;
  const server = await startBookServer({ onGetBook: () => ({ code: Status.UNAVAILABLE, details: 'down' }) });
  t.teardown(() => server.stop());
  xds.setEndpoints([server.address]);
  const { clients, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'book-service', address: 'xds:///books', connect: 'eager', timeout: '10s' }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  t.like(await getBookError(clients['book-service'], 'b1'), { code: Status.UNAVAILABLE, details: 'down', attempts: 1 });
  t.is(server.received.length, 1);
});
