// TLS to real grpc-js servers with certificates openssl makes at test time: server-authenticated and
// mutual TLS, a server-name override, and each certificate fault named in the error.
import { ServerCredentials, status as Status } from '@grpc/grpc-js';
import { ConnectError, init } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';
import { testPki } from './helpers/tls.ts';
import { OPENSSL, testNeeding } from './helpers/tools.ts';
import { getBook, getBookError, TELEMETRY_OFF } from './helpers/calls.ts';

function tlsServer(cert = testPki().serverCert, key = testPki().serverKey, requireClientCert = false) {
  const pki = testPki();
  const credentials = ServerCredentials.createSsl(requireClientCert ? pki.read(pki.caCert) : null, [{ cert_chain: pki.read(cert), private_key: pki.read(key) }], requireClientCert);
  return startBookServer({ credentials });
}

function clientsFor(address: string, tls: Record<string, unknown>, connect: 'eager' | 'lazy' = 'lazy') {
  return init({
    config: { grpc_clients: { services: [{ name: 'book-service', address, timeout: '1s', connect, tls: { enabled: true, ...tls } }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
}

testNeeding([OPENSSL], 'server-authenticated TLS with a CA file', async (t) => {
  const pki = testPki();
  const server = await tlsServer();
  t.teardown(() => server.stop());
  const { clients, shutdown } = await clientsFor(`localhost:${server.port}`, { ca_file: pki.caCert }, 'eager');
  t.teardown(shutdown);
  t.is((await getBook(clients['book-service'], 'b1')).id, 'b1');
});

testNeeding([OPENSSL], 'mutual TLS with a client certificate and key', async (t) => {
  const pki = testPki();
  const server = await tlsServer(pki.serverCert, pki.serverKey, true);
  t.teardown(() => server.stop());
  const { clients, shutdown } = await clientsFor(`localhost:${server.port}`, { ca_file: pki.caCert, cert_file: pki.clientCert, key_file: pki.clientKey });
  t.teardown(shutdown);
  t.is((await getBook(clients['book-service'], 'b2')).id, 'b2');
});

testNeeding([OPENSSL], 'a server requiring a client certificate refuses a client without one, and the error names TLS', async (t) => {
  const pki = testPki();
  const server = await tlsServer(pki.serverCert, pki.serverKey, true);
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(clientsFor(`localhost:${server.port}`, { ca_file: pki.caCert }, 'eager'), { instanceOf: ConnectError });
  t.regex(error.message, /\n {2}book-service \(dns:\/\/\/localhost:\d+\): .*TLS/);
});

testNeeding([OPENSSL], 'server-name override verifies the certificate against the configured name', async (t) => {
  const pki = testPki();
  const server = await tlsServer(pki.wrongNameCert, pki.wrongNameKey);
  t.teardown(() => server.stop());
  const { clients, shutdown } = await clientsFor(`127.0.0.1:${server.port}`, { ca_file: pki.caCert, server_name: 'not-this-host.example' });
  t.teardown(shutdown);
  t.is((await getBook(clients['book-service'], 'b3')).id, 'b3');
});

testNeeding([OPENSSL], 'a wrong CA fails eager connect with a TLS handshake error naming the service and target', async (t) => {
  const pki = testPki();
  const server = await tlsServer();
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(clientsFor(`localhost:${server.port}`, { ca_file: pki.otherCaCert }, 'eager'), { instanceOf: ConnectError });
  t.is(error.service, 'book-service');
  t.is(error.target, `dns:///localhost:${server.port}`);
  t.regex(error.failures[0]!.reason, new RegExp(`TLS handshake with localhost:${server.port} failed: .*certificate`));
});

testNeeding([OPENSSL], 'a wrong CA fails a call with UNAVAILABLE naming the service, target and certificate problem', async (t) => {
  const pki = testPki();
  const server = await tlsServer();
  t.teardown(() => server.stop());
  const { clients, shutdown } = await clientsFor(`localhost:${server.port}`, { ca_file: pki.otherCaCert });
  t.teardown(shutdown);
  const error = await getBookError(clients['book-service'], 'b1', { deadline: Date.now() + 3_000 });
  t.is(error.code, Status.UNAVAILABLE);
  t.regex(error.details, /certificate/i);
  t.like(error, { service: 'book-service', target: `dns:///localhost:${server.port}`, method: 'book.v1.BookService/GetBook' });
});

testNeeding([OPENSSL], 'a certificate for another name fails with a TLS error that names the mismatch', async (t) => {
  const pki = testPki();
  const server = await tlsServer(pki.wrongNameCert, pki.wrongNameKey);
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(clientsFor(`localhost:${server.port}`, { ca_file: pki.caCert }, 'eager'), { instanceOf: ConnectError });
  t.regex(error.failures[0]!.reason, /TLS handshake .* failed: .*(altnames|not in the cert's list)/);
});

testNeeding([OPENSSL], 'an expired server certificate fails with a TLS error that says so', async (t) => {
  const pki = testPki();
  const server = await tlsServer(pki.expiredCert, pki.expiredKey);
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(clientsFor(`localhost:${server.port}`, { ca_file: pki.caCert }, 'eager'), { instanceOf: ConnectError });
  t.regex(error.failures[0]!.reason, /TLS handshake .* failed: .*expired/i);
});
