import test from 'ava';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import convict from 'convict';
import { ConfigError, loadConfig, type ConfigSource } from '../src/index.ts';
import { compileSchema } from '../src/config/compiled-schema.ts';
import { validateSection } from '../src/config/problems.ts';
import { serviceEnvPrefix, serviceFields, serviceSchema } from '../src/config/schema.ts';
import { testPki } from './helpers/tls.ts';
import { OPENSSL, testNeeding } from './helpers/tools.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** Problems of a config that must fail, as "path: reason" lines; typed as a file's document is (anything), to be wrong on purpose. */
function problemsOf(source: string | object, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(source as ConfigSource, { env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.env ? `${problem.env} (${problem.path})` : problem.path}: ${problem.reason}`);
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

testNeeding([OPENSSL], 'the seed user-service YAML loads with mutual TLS files resolved next to the config file', (t) => {
  const pki = testPki();
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
  t.deepEqual(problemsOf(service({ max_receive_message_size: '8 parsecs' })), ['grpc_clients.services[0].max_receive_message_size: "8 parsecs" is not a byte size such as 4194304, "512KiB" or "4MiB"']);
});

test("the replay buffer limits default to grpc-js's (256 KiB per call, 16 MiB per channel), take sizes and env overrides, and reject what is not a size", (t) => {
  const defaults = loadConfig(service({}), { env: {} }).services[0]!.retry;
  t.deepEqual([defaults.call_buffer_size, defaults.channel_buffer_size], [256 * 1024, 16 * 1_048_576]);
  const set = loadConfig(service({ retry: { call_buffer_size: '1MiB' } }), { env: { GRPC_CLIENTS_BOOK_SERVICE_RETRY_CHANNEL_BUFFER_SIZE: '-1' } }).services[0]!.retry;
  t.deepEqual([set.call_buffer_size, set.channel_buffer_size], [1_048_576, -1]);
  t.deepEqual(problemsOf(service({ retry: { call_buffer_size: 'plenty' } })), ['grpc_clients.services[0].retry.call_buffer_size: "plenty" is not a byte size such as 4194304, "512KiB" or "4MiB"']);
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

test('unknown keys inside grpc_clients are reported at every level, with the nearest known key', (t) => {
  const problems = problemsOf({ grpc_clients: { servics: [], services: [{ name: 'a', address: 'x:1', retyr: {}, tls: { enable: true }, colour: 'red' }] } } as never);
  t.deepEqual(problems.sort(), [
    'grpc_clients.services[0].colour: unknown key',
    'grpc_clients.services[0].retyr: unknown key (did you mean retry?)',
    'grpc_clients.services[0].tls.enable: unknown key (did you mean enabled?)',
    'grpc_clients.servics: unknown key (did you mean services?)',
  ]);
});

test("the application's own config file loads: its other sections are left alone", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-config-'));
  writeFileSync(
    join(dir, 'app.yaml'),
    [
      '# the config file of an application that also calls gRPC backends',
      'server:',
      '  port: 8080',
      '  cors: { origins: ["https://shop.example"] }',
      'log:',
      '  level: debug',
      'database:',
      '  url: postgres://app@db:5432/shop',
      '  pool: { min: 2, max: 10 }',
      'grpc_clients:',
      '  services:',
      '    - name: book-service',
      '      address: books.internal:9002',
      '      retry: { max: 2 }',
      'features: [recommendations]',
    ].join('\n'),
  );
  const config = loadConfig(join(dir, 'app.yaml'), { env: {} });
  t.deepEqual(config.services.map((entry) => [entry.name, entry.address, entry.retry.max]), [['book-service', 'books.internal:9002', 2]]);

  writeFileSync(join(dir, 'typo.yaml'), 'server: { port: 8080 }\ngrpc_clients:\n  services:\n    - { name: book-service, address: "b:1", retry: { maxx: 2 } }\n');
  t.deepEqual(problemsOf(join(dir, 'typo.yaml')), ['grpc_clients.services[0].retry.maxx: unknown key (did you mean max?)'], 'grpc_clients stays strict');
});

test('negative and absurd durations are rejected with their bound, showing the value as written', (t) => {
  const problems = problemsOf(service({ timeout: '-5s', deadline: '48h', retry: { backoff: '20m' }, keepalive: { timeout: 'soon' }, idle_timeout: -5 }));
  t.deepEqual(problems, [
    'grpc_clients.services[0].timeout: "-5s" must not be negative',
    'grpc_clients.services[0].deadline: "48h" must be at most 24h',
    'grpc_clients.services[0].idle_timeout: -5 must not be negative',
    'grpc_clients.services[0].retry.backoff: "20m" must be at most 10m',
    'grpc_clients.services[0].keepalive.timeout: "soon" is not a duration such as "100ms", "5s" or "1m"',
  ]);
});

test('backoff bounds that cross name both values as written', (t) => {
  t.deepEqual(problemsOf(service({ retry: { backoff: '2s', max_backoff: '500ms' } })), ['grpc_clients.services[0].retry.max_backoff: "500ms" must not be below retry.backoff ("2s")']);
  t.deepEqual(problemsOf(service({ reconnect: { max_backoff: '500ms' } })), ['grpc_clients.services[0].reconnect.max_backoff: "500ms" must not be below reconnect.initial_backoff (1s, the default)']);
});

test('numbers are whole: "3abc" is not 3, in the file or the environment', (t) => {
  t.deepEqual(problemsOf(service({ retry: { max: '3abc', multiplier: '2x' } })), [
    'grpc_clients.services[0].retry.max: "3abc" must be a whole number, 0 or more',
    'grpc_clients.services[0].retry.multiplier: "2x" must be a number from 1 to 10',
  ]);
  t.deepEqual(problemsOf(service({}), { GRPC_CLIENTS_BOOK_SERVICE_RETRY_MAX: '2.5' }), ['GRPC_CLIENTS_BOOK_SERVICE_RETRY_MAX (grpc_clients.services[0].retry.max): "2.5" must be a whole number, 0 or more']);
  const config = loadConfig(service({ retry: { max: '3' } }), { env: { GRPC_CLIENTS_BOOK_SERVICE_RETRY_MULTIPLIER: '1.5', GRPC_CLIENTS_BOOK_SERVICE_RETRY_TOKEN_RATIO: '0.5' } });
  t.deepEqual([config.services[0]!.retry.max, config.services[0]!.retry.multiplier, config.services[0]!.retry.token_ratio], [3, 1.5, 0.5]);
});

test('a bad value from an environment variable is blamed on the variable, not the file', (t) => {
  t.deepEqual(problemsOf(service({ timeout: '2s' }), { GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT: 'abc', GRPC_CLIENTS_DRAIN_TIMEOUT: '-1s', GRPC_CLIENTS_BOOK_SERVICE_ADDRESS: 'books' }), [
    'GRPC_CLIENTS_DRAIN_TIMEOUT (grpc_clients.drain_timeout): "-1s" must not be negative',
    'GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT (grpc_clients.services[0].timeout): "abc" is not a duration such as "100ms", "5s" or "1m"',
    'GRPC_CLIENTS_BOOK_SERVICE_ADDRESS (grpc_clients.services[0].address): "books" is not host:port (a port is required, e.g. localhost:9002)',
  ]);
  t.deepEqual(problemsOf(service({}), { GRPC_CLIENTS_BOOK_SERVICE_DEADLINE: '' }), [
    'GRPC_CLIENTS_BOOK_SERVICE_DEADLINE (grpc_clients.services[0].deadline): "" is not a duration such as "100ms", "5s" or "1m"',
  ], 'a variable set to nothing shows as ""');
  const error = t.throws(() => loadConfig(service({}), { env: { GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT: 'abc' } }), { instanceOf: ConfigError });
  t.is(error.problems[0]!.env, 'GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT');
  t.regex(error.message, /\n {2}GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT \(grpc_clients\.services\[0\]\.timeout\): "abc" is not a duration/);
});

test('an environment variable naming no field of its service is an error naming the closest field', (t) => {
  t.deepEqual(problemsOf(service({}), { GRPC_CLIENTS_BOOK_SERVICE_RETRY_MAXX: '2' }), [
    'GRPC_CLIENTS_BOOK_SERVICE_RETRY_MAXX (grpc_clients.services[0]): names no field of service "book-service"; closest: GRPC_CLIENTS_BOOK_SERVICE_RETRY_MAX (retry.max)',
  ]);
});

test('an environment variable naming no configured service is an error listing the configured ones', (t) => {
  t.deepEqual(problemsOf(service({}), { GRPC_CLIENTS_PAYMENT_SERVICE_ADDRESS: 'pay:1' }), [
    'GRPC_CLIENTS_PAYMENT_SERVICE_ADDRESS (grpc_clients.services): names no configured service and no process-wide field (configured: book-service (GRPC_CLIENTS_BOOK_SERVICE_…); overrides cannot add a service)',
  ]);
  t.regex(problemsOf(service({}), { GRPC_CLIENTS_TELEMETRY_LOGS_LEVL: 'debug' })[0]!, /^GRPC_CLIENTS_TELEMETRY_LOGS_LEVL \(grpc_clients\.services\): names no configured service .*; closest: GRPC_CLIENTS_TELEMETRY_LOGS_LEVEL$/);
});

test('service names with "_" and "-" are matched by the longest configured prefix', (t) => {
  const two = { grpc_clients: { services: [{ name: 'book', address: 'a:1' }, { name: 'book-service', address: 'b:1' }] } };
  const config = loadConfig(two, { env: { GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT: '3s', GRPC_CLIENTS_BOOK_TIMEOUT: '4s' } });
  t.deepEqual(config.services.map((entry) => entry.timeout), [4_000, 3_000]);
  t.deepEqual(problemsOf(two, { GRPC_CLIENTS_BOOK_SERVICE_TIMEOUTT: '3s' }), [
    'GRPC_CLIENTS_BOOK_SERVICE_TIMEOUTT (grpc_clients.services[1]): names no field of service "book-service"; closest: GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT (timeout)',
  ]);
});

test('a variable two services would both read is an error', (t) => {
  const clash = { grpc_clients: { services: [{ name: 'book-service', address: 'a:1' }, { name: 'book_service', address: 'b:1' }] } };
  t.notThrows(() => loadConfig(clash, { env: {} }));
  t.deepEqual(problemsOf(clash, { GRPC_CLIENTS_BOOK_SERVICE_ADDRESS: 'c:1' }), [
    'GRPC_CLIENTS_BOOK_SERVICE_ADDRESS (grpc_clients.services[0].address): sets grpc_clients.services[0].address and grpc_clients.services[1].address at once: rename a service so that their variable prefixes differ',
  ]);
});

test('variables that are not ours are ignored, and GRPC_CLIENTS_CONFIG is allowed', (t) => {
  const env = { GRPC_CLIENTS_CONFIG: '/etc/app/config.yaml', GRPC_CLIENT_TIMEOUT: 'x', MY_GRPC_CLIENTS_BOOK_SERVICE_X: 'y', grpc_clients_book_service_timeout: 'z', HOME: '/root' };
  t.is(loadConfig(service({}), { env }).services[0]!.timeout, 5_000);
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
    'grpc_clients.services[0].connect: "sometimes" must be one of the possible values: ["eager","lazy"]',
    'grpc_clients.services[0].address: "localhost" is not host:port (a port is required, e.g. localhost:9002)',
    'grpc_clients.services[1].keepalive: must be an object',
    'grpc_clients.services[1].load_balancing: "random" must be one of the possible values: ["pick_first","round_robin","least_request"]',
    'grpc_clients.services[2].name: is required: letters, digits, ".", "_" or "-"',
    'grpc_clients.services[1].name: duplicate service name "book-service" (first at services[0])',
  ]);
});

test('the error message lists every problem under the config source', (t) => {
  const error = t.throws(() => loadConfig({ grpc_clients: { services: [{ name: 'a' }, { name: 'b', address: 'x' }] } } as never, { env: {} }), { instanceOf: ConfigError });
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

/** An entry as one convict instance of the service schema reads it: the reference the compiled check is held to. */
function readByConvict(entry: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const schema = serviceSchema(serviceEnvPrefix(typeof entry['name'] === 'string' ? entry['name'] : ''));
  const config = convict(schema, { env, args: [] });
  config.load(entry);
  const problems = validateSection(config, { schema, envPrefix: '', written: entry, prefix: 'grpc_clients.services[0].', env });
  return { values: config.getProperties(), problems };
}

test('a services[] entry is read exactly as a convict instance of the service schema reads it: values, problems and their order', (t) => {
  const cases: Array<[Record<string, unknown>, NodeJS.ProcessEnv]> = [
    [{ name: 'book-service', address: 'books:1' }, {}],
    [{ name: 'book-service', address: 'books:1', deadline: '1.5s', max_receive_message_size: '8MiB', wait_for_ready: 'true', retry: { max: '2', retryable_codes: 'UNAVAILABLE, aborted', exclude_methods: 'A,B' }, tls: { enabled: false } }, {}],
    [{ name: 'book-service', address: 5, connect: 'sometimes', timeout: '-1s', tls: { enabled: 'yes' }, retry: { max: '3abc', multiplier: 20 }, hedging: { max_attempts: 1 }, outlier_detection: { failure_percentage: { minimum_hosts: -1 } } }, {}],
    [{ name: 'book-service', address: 'books:1', retyr: {}, tls: { enable: true }, colour: 'red', retry: { maxx: 1 }, outlier_detection: { failure_percentage: { treshold: 1 } }, extra: { a: 1, b: { c: 2 } } }, {}],
    [{ name: 'book-service', address: 'books:1', timeout: '2s' }, { GRPC_CLIENTS_BOOK_SERVICE_TIMEOUT: 'abc', GRPC_CLIENTS_BOOK_SERVICE_RETRY_MAX: '2', GRPC_CLIENTS_BOOK_SERVICE_TLS_ENABLED: '1', GRPC_CLIENTS_BOOK_SERVICE_HEDGING_METHODS: 'GetBook' }],
    [{ address: 'books:1', name: '' }, { GRPC_CLIENTS__ADDRESS: 'x' }],
  ];
  const check = compileSchema(serviceFields);
  for (const [entry, env] of cases) {
    const expected = readByConvict(entry, env);
    const section = { schema: serviceFields, envPrefix: serviceEnvPrefix(typeof entry['name'] === 'string' ? entry['name'] : ''), written: entry, prefix: 'grpc_clients.services[0].', env };
    const actual = check.read(section);
    t.deepEqual(actual.problems, expected.problems, JSON.stringify(entry));
    // convict keeps unknown keys among the values; an entry with problems is not used either way.
    if (expected.problems.length === 0) t.deepEqual(actual.values, expected.values, JSON.stringify(entry));
  }
});

test('a field given as undefined in an inline config keeps its default, as its optional type promises', (t) => {
  const config = loadConfig({ grpc_clients: { drain_timeout: undefined, telemetry: { enabled: false, logs: { level: undefined } }, services: [{ name: 'book-service', address: 'books:1', deadline: undefined, retry: { max: undefined } }] } }, { env: {} });
  t.deepEqual([config.drain_timeout, config.telemetry.logs.level, config.services[0]!.deadline, config.services[0]!.retry.max], [10_000, 'info', 30_000, 0]);
});

test('telemetry numbers are strict: "9464abc" is no port and "0.5x" no sample ratio, in the file or the environment', (t) => {
  const telemetry = (fields: object) => ({ grpc_clients: { telemetry: fields, services: [{ name: 'book-service', address: 'books:1' }] } });
  t.deepEqual(problemsOf(telemetry({ metrics: { prometheus_port: '9464abc' }, traces: { sample_ratio: '0.5x' } })), [
    'grpc_clients.telemetry.traces.sample_ratio: "0.5x" must be a number from 0 to 1',
    'grpc_clients.telemetry.metrics.prometheus_port: "9464abc" must be a port number from 1 to 65535',
  ]);
  t.deepEqual(problemsOf(telemetry({}), { GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_PORT: '70000', GRPC_CLIENTS_TELEMETRY_TRACES_SAMPLE_RATIO: '1.5' }), [
    'GRPC_CLIENTS_TELEMETRY_TRACES_SAMPLE_RATIO (grpc_clients.telemetry.traces.sample_ratio): "1.5" must be a number from 0 to 1',
    'GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_PORT (grpc_clients.telemetry.metrics.prometheus_port): "70000" must be a port number from 1 to 65535',
  ]);
  t.deepEqual(problemsOf(telemetry({ metrics: { prometheus_port: 0 } })), ['grpc_clients.telemetry.metrics.prometheus_port: 0 must be a port number from 1 to 65535'], 'the exporter would read 0 as 9464');
  const config = loadConfig(telemetry({ metrics: { prometheus_port: '9465' }, traces: { sample_ratio: '0.25' } }), { env: {} });
  t.deepEqual([config.telemetry.metrics.prometheus_port, config.telemetry.traces.sample_ratio], [9465, 0.25]);
});
