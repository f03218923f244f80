import test from 'ava';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/index.ts';
import { makeTestPki } from './helpers/tls.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** Problems of a config that must fail, as "path: reason" lines. */
function problemsOf(source: Parameters<typeof loadConfig>[0], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(source, { env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.reason}`);
    throw error;
  }
  throw new Error('config was accepted');
}

const service = (fields: Record<string, unknown>) => ({ grpc_clients: { services: [{ name: 'book-service', address: 'localhost:9002', ...fields }] } });

test('the seed api-gateway YAML loads unchanged, with its retry settings and documented defaults', (t) => {
  const config = loadConfig(fixture('seed-api-gateway.yaml'), { env: {} });
  t.deepEqual(config.services.map((entry) => entry.name), ['user-service', 'book-service', 'order-service']);
  const book = config.services[1]!;
  t.is(book.address, 'localhost:9002');
  t.is(book.timeout, 5_000);
  t.deepEqual([book.retry.max, book.retry.timeout, book.retry.backoff], [3, 10_000, 100]);
  t.is(book.connect, 'lazy');
  t.is(book.deadline, 30_000);
  t.deepEqual(book.keepalive, { time: 0, timeout: 20_000, permit_without_calls: false });
  t.is(config.drain_timeout, 10_000);
});

test('the seed user-service YAML loads with mutual TLS files resolved next to the config file', (t) => {
  const pki = makeTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-config-'));
  mkdirSync(join(dir, 'certs'));
  copyFileSync(pki.clientCert, join(dir, 'certs/client.crt'));
  copyFileSync(pki.clientKey, join(dir, 'certs/client.key'));
  copyFileSync(fixture('seed-user-service.yaml'), join(dir, 'user-service.yaml'));
  const config = loadConfig(join(dir, 'user-service.yaml'), { env: {} });
  const book = config.services[0]!;
  t.true(book.tls.enabled);
  t.is(book.tls.cert_file, join(dir, 'certs/client.crt'));
  t.is(book.tls.key_file, join(dir, 'certs/client.key'));
});

test('a JSON file loads like YAML', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-config-'));
  writeFileSync(join(dir, 'c.json'), JSON.stringify(service({ deadline: '2s', connect: 'eager' })));
  const config = loadConfig(join(dir, 'c.json'), { env: {} });
  t.is(config.services[0]!.deadline, 2_000);
  t.is(config.services[0]!.connect, 'eager');
});

test('durations accept ms, s, m and h', (t) => {
  const config = loadConfig(service({ timeout: '250ms', deadline: '1.5s', idle_timeout: '2m', keepalive: { time: '1h' } }), { env: {} });
  const book = config.services[0]!;
  t.deepEqual([book.timeout, book.deadline, book.idle_timeout, book.keepalive.time], [250, 1_500, 120_000, 3_600_000]);
});

test('message sizes accept bytes and KB/KiB/MB/MiB, and reject what is not a size', (t) => {
  const config = loadConfig(service({ max_receive_message_size: '8MiB', max_send_message_size: '512KB' }), { env: {} });
  t.deepEqual([config.services[0]!.max_receive_message_size, config.services[0]!.max_send_message_size], [8 * 1_048_576, 512_000]);
  t.deepEqual(problemsOf(service({ max_receive_message_size: '8 parsecs' })), ['grpc_clients.services[0].max_receive_message_size: must be a byte size such as 4194304, "512KiB" or "4MiB": value was "8 parsecs"']);
});

test('target URIs are accepted as addresses', (t) => {
  for (const address of ['dns:///book.internal:443', 'ipv4:10.0.0.1:9002,10.0.0.2:9002', 'ipv6:[::1]:9002', 'unix:/run/book.sock', 'unix:///run/book.sock', '[::1]:9002']) {
    t.notThrows(() => loadConfig(service({ address }), { env: {} }), address);
  }
});

test('environment variables override single fields of a named service', (t) => {
  const config = loadConfig(service({}), {
    env: { GRPC_CLIENTS_BOOK_SERVICE_ADDRESS: 'book:7000', GRPC_CLIENTS_BOOK_SERVICE_RETRY_MAX: '2', GRPC_CLIENTS_BOOK_SERVICE_TLS_ENABLED: 'false', GRPC_CLIENTS_DRAIN_TIMEOUT: '3s' },
  });
  t.is(config.services[0]!.address, 'book:7000');
  t.is(config.services[0]!.retry.max, 2);
  t.is(config.drain_timeout, 3_000);
});

test('a missing or malformed address names the field and the reason', (t) => {
  t.deepEqual(problemsOf(service({ address: '' })), ['grpc_clients.services[0].address: is required (host:port or a gRPC target URI)']);
  t.regex(problemsOf(service({ address: 'localhost' }))[0]!, /^grpc_clients\.services\[0\]\.address: "localhost" is not host:port/);
  t.regex(problemsOf(service({ address: 'localhost:99999' }))[0]!, /port 99999 is out of range/);
  t.regex(problemsOf(service({ address: 'http://localhost:9002' }))[0]!, /scheme not supported/);
});

test('duplicate service names are reported with both positions', (t) => {
  const problems = problemsOf({ grpc_clients: { services: [{ name: 'a', address: 'x:1' }, { name: 'b', address: 'x:2' }, { name: 'a', address: 'x:3' }] } });
  t.deepEqual(problems, ['grpc_clients.services[2].name: duplicate service name "a" (first at services[0])']);
});

test('unknown keys are reported at every level', (t) => {
  const problems = problemsOf({ grpc_clients: { servics: [], services: [{ name: 'a', address: 'x:1', retyr: {}, tls: { enable: true } }] }, other: 1 } as never);
  t.deepEqual(problems.sort(), [
    'grpc_clients.services[0].retyr: unknown key',
    'grpc_clients.services[0].tls.enable: unknown key',
    'grpc_clients.servics: unknown key',
    'other: unknown key (only grpc_clients is read)',
  ]);
});

test('negative and absurd durations are rejected with their bound', (t) => {
  const problems = problemsOf(service({ timeout: '-5s', deadline: '48h', retry: { backoff: '20m' }, keepalive: { timeout: 'soon' } }));
  t.deepEqual(problems, [
    'grpc_clients.services[0].timeout: must not be negative: value was -5000',
    'grpc_clients.services[0].deadline: must be at most 24h: value was 172800000',
    'grpc_clients.services[0].retry.backoff: must be at most 10m: value was 1200000',
    'grpc_clients.services[0].keepalive.timeout: must be a duration such as "100ms", "5s" or "1m": value was "soon"',
  ]);
});

test('unreadable TLS files are reported with their resolved path', (t) => {
  const problems = problemsOf(service({ tls: { enabled: true, ca_file: '/nonexistent/ca.pem', cert_file: 'client.crt' } }));
  t.true(problems.includes('grpc_clients.services[0].tls.ca_file: cannot be read: ENOENT /nonexistent/ca.pem'));
  t.true(problems.includes('grpc_clients.services[0].tls: cert_file and key_file go together (mutual TLS needs both)'));
  t.true(problems.some((problem) => problem.startsWith('grpc_clients.services[0].tls.cert_file: cannot be read: ENOENT')));
});

test('every problem of a config is reported at once', (t) => {
  const problems = problemsOf({
    grpc_clients: {
      services: [
        { name: 'book-service', address: 'localhost', connect: 'sometimes' },
        { name: 'book-service', address: 'x:1', load_balancing: 'random', keepalive: 3 },
        { address: 'y:1' },
      ],
    },
  });
  t.deepEqual(problems, [
    'grpc_clients.services[0].connect: must be one of the possible values: ["eager","lazy"]: value was "sometimes"',
    'grpc_clients.services[0].address: "localhost" is not host:port (a port is required, e.g. localhost:9002)',
    'grpc_clients.services[1].keepalive: must be an object',
    'grpc_clients.services[1].load_balancing: must be one of the possible values: ["pick_first","round_robin","least_request"]: value was "random"',
    'grpc_clients.services[2].name: is required: letters, digits, ".", "_" or "-"',
    'grpc_clients.services[1].name: duplicate service name "book-service" (first at services[0])',
  ]);
});

test('the error message lists every problem under the config source', (t) => {
  const error = t.throws(() => loadConfig({ grpc_clients: { services: [{ name: 'a' }, { name: 'b', address: 'x' }] } }, { env: {} }), { instanceOf: ConfigError });
  t.regex(error.message, /invalid grpcclient config \(config object\), 2 problem\(s\):\n {2}grpc_clients\.services\[0\]\.address: .+\n {2}grpc_clients\.services\[1\]\.address: /);
});

test('an empty services list, a missing section and unparseable files are reported', (t) => {
  t.deepEqual(problemsOf({ grpc_clients: { services: [] } }), ['grpc_clients.services: must be a non-empty list of services']);
  t.deepEqual(problemsOf({} as never), ['grpc_clients: is required: the document must have a grpc_clients section']);
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-config-'));
  writeFileSync(join(dir, 'bad.yaml'), 'grpc_clients: [unclosed');
  t.regex(problemsOf(join(dir, 'bad.yaml'))[0]!, /^\(file\): is not valid YAML/);
  t.regex(problemsOf(join(dir, 'missing.yaml'))[0]!, /^\(file\): cannot be read: ENOENT/);
});
