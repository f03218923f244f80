// Certificates made at test time with openssl: a CA, a server certificate for localhost/127.0.0.1,
// a client certificate, and deliberately wrong ones (another CA, another name, expired). Tests that
// use them register through testNeeding([OPENSSL], ...) (tools.ts) and call testPki() inside the test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  otherCaCert: string;
  serverCert: string;
  serverKey: string;
  wrongNameCert: string;
  wrongNameKey: string;
  expiredCert: string;
  expiredKey: string;
  clientCert: string;
  clientKey: string;
  read(file: string): Buffer;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}

function makeLeaf(dir: string, ca: string, name: string, subjectAltName: string, options: { clientAuth?: boolean; expired?: boolean } = {}): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  const extensions = [`subjectAltName=${subjectAltName}`, `extendedKeyUsage=${options.clientAuth ? 'clientAuth' : 'serverAuth'}`].join('\n');
  writeFileSync(join(dir, `${name}.ext`), extensions);
  // An expired certificate: OpenSSL 3.0 has no -not_after, but -days -1 ends validity a day before it starts.
  const validity = ['-days', options.expired ? '-1' : '2'];
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, ...validity, '-extfile', `${name}.ext`]);
}

/** Creates a fresh PKI in a temporary folder. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'ca', 'server', 'DNS:localhost,IP:127.0.0.1');
  makeLeaf(dir, 'ca', 'wrong-name', 'DNS:not-this-host.example');
  makeLeaf(dir, 'ca', 'expired', 'DNS:localhost,IP:127.0.0.1', { expired: true });
  makeLeaf(dir, 'ca', 'client', 'DNS:client', { clientAuth: true });
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    otherCaCert: file('other-ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    wrongNameCert: file('wrong-name.crt'),
    wrongNameKey: file('wrong-name.key'),
    expiredCert: file('expired.crt'),
    expiredKey: file('expired.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    read: (path: string) => readFileSync(path),
  };
}

let shared: TestPki | undefined;

/** One PKI per test process, made on first use: a test file skipped for want of openssl never runs it. */
export function testPki(): TestPki {
  shared ??= makeTestPki();
  return shared;
}
