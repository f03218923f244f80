// xds:/// targets through @grpc/grpc-js-xds against a loopback xDS management server: endpoints follow EDS,
// and each one's state is visible.
import test from 'ava';
import { ConfigError, init, loadConfig } from '../src/index.ts';
import { enableXds } from '../src/channels/resolver-xds.ts';
import { endpointStates } from '../src/channels/endpoint-states.ts';
import { BookService } from './helpers/protos.ts';
import { TELEMETRY_OFF } from './helpers/calls.ts';
import { startXdsServer } from './helpers/xds-server.ts';
import { servedAtLeast, startReplica, startReplicas, steadyTraffic, type Replica } from './helpers/replicas.ts';

test.serial('without the optional package an xds target is refused saying what to install', (t) => {
  t.throws(() => enableXds('@grpc/grpc-js-xds-not-installed'), { message: /^xds: targets need the optional package @grpc\/grpc-js-xds-not-installed \(npm install @grpc\/grpc-js-xds-not-installed@~1\.14\): Cannot find/ });
});

test.serial('without a bootstrap in the environment an xds target is a config error naming the field', (t) => {
  const saved = process.env['GRPC_XDS_BOOTSTRAP_CONFIG'];
  delete process.env['GRPC_XDS_BOOTSTRAP_CONFIG'];
  t.teardown(() => {
    if (saved !== undefined) process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = saved;
  });
  const error = t.throws(() => loadConfig({ grpc_clients: { services: [{ name: 'books', address: 'xds:///books' }] } }, { env: {} }), { instanceOf: ConfigError }) as ConfigError;
  t.deepEqual(error.problems.map((problem) => `${problem.path}: ${problem.reason}`), [
    'grpc_clients.services[0].address: xds: targets need an xDS bootstrap: set GRPC_XDS_BOOTSTRAP (a file) or GRPC_XDS_BOOTSTRAP_CONFIG (its JSON)',
  ]);
});

test.serial('an xds:/// target sends calls to the endpoints the control plane names, and follows an added one', async (t) => {
  const xds = await startXdsServer('books');
  t.teardown(() => xds.close());
  // grpc-js-xds reads its bootstrap from the environment of the process (this test file runs in its own).
  process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = xds.bootstrap;
  const [one, two] = await startReplicas(['127.0.0.1', '127.0.0.2']);
  const three = await startReplica('127.0.0.3', one!.port);
  t.teardown(() => Promise.all([one!, two!, three].map((replica: Replica) => replica.stop())));
  xds.setEndpoints([one!.address, two!.address]);

  const { clients, manager, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'book-service', address: 'xds:///books', connect: 'eager', timeout: '10s' }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  const traffic = steadyTraffic(clients['book-service']);
  t.teardown(() => traffic.stop());
  await Promise.all([servedAtLeast(one!, 5), servedAtLeast(two!, 5)]);

  xds.setEndpoints([one!.address, two!.address, three.address]);
  await servedAtLeast(three, 5);
  await traffic.stop();
  t.deepEqual(traffic.failures.map((error) => error.message), []);
  const endpoints = endpointStates(manager.getChannel('book-service'));
  t.deepEqual(endpoints.map((entry) => `${entry.endpoint} ${entry.state}`), [one!, two!, three].map((replica) => `${replica.address} READY`), 'per-endpoint states under the xDS policies too');
});
