// TLS faults seen by calls (not only by eager connect, which tls.test.ts covers): every one fails with
// UNAVAILABLE and details that name the TLS problem, the service and the target.
import { ServerCredentials, status as Status } from '@grpc/grpc-js';
import { init } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';
import { testPki, type TestPki } from './helpers/tls.ts';
import { OPENSSL, testNeeding } from './helpers/tools.ts';
import { getBookError } from './helpers/calls.ts';

for (const [fault, cert, key, ca, details] of [
  ['a certificate signed by another CA', 'serverCert', 'serverKey', 'otherCaCert', /certificate/i],
  ['an expired certificate', 'expiredCert', 'expiredKey', 'caCert', /expired/i],
  ['a certificate for another name', 'wrongNameCert', 'wrongNameKey', 'caCert', /altnames|not in the cert's list|hostname/i],
] as const satisfies readonly (readonly [string, keyof TestPki, keyof TestPki, keyof TestPki, RegExp])[]) {
  testNeeding([OPENSSL], `a call to a server with ${fault} fails with UNAVAILABLE naming the certificate problem, even with retries on`, async (t) => {
    const pki = testPki();
    const server = await startBookServer({ credentials: ServerCredentials.createSsl(null, [{ cert_chain: pki.read(pki[cert]), private_key: pki.read(pki[key]) }], false) });
    t.teardown(() => server.stop());
    const { clients, shutdown } = await init({
      config: { grpc_clients: { telemetry: { enabled: false }, services: [{ name: 'book-service', address: `localhost:${server.port}`, retry: { max: 2, backoff: '10ms' }, tls: { enabled: true, ca_file: pki[ca] } }] } },
      clients: { 'book-service': BookService },
      env: {},
    });
    t.teardown(shutdown);
    const started = Date.now();
    const error = await getBookError(clients['book-service'], 'b1', { deadline: started + 5_000 });
    t.is(error.code, Status.UNAVAILABLE);
    t.regex(error.details, details);
    t.like(error, { service: 'book-service', target: `dns:///localhost:${server.port}` });
    t.true(Date.now() - started < 3_000, 'fails fast, not at the deadline');
    t.log(error.details);
  });
}
