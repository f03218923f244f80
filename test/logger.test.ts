// The SDK logs like a library: its own lines at level info by default, nothing at all with `silent`,
// and every line to the application's logger when init({ logger }) is given one.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { status as Status } from '@grpc/grpc-js';
import { init, loadConfig, type HealthChange } from '../src/index.ts';
import { createSdkLogger, deferredSdkLogger } from '../src/telemetry/logger.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';
import { TestHealthService } from './helpers/health-service.ts';
import { getBookError } from './helpers/calls.ts';
import { captureLogger } from './helpers/logs.ts';

const PROCESS = fileURLToPath(new URL('fixtures/logging-process.ts', import.meta.url));

/** Runs the fixture to its end; its stdout and stderr as text. */
async function runLoggingProcess(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [PROCESS], { env: { ...process.env, MODE: mode, ADDRESS: `127.0.0.1:${await deadPort()}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const sdkLines = (text: string) => text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

test('the default level is info: the SDK logger writes info and above, not debug', (t) => {
  const { logs } = loadConfig({ grpc_clients: { services: [{ name: 'a', address: 'a:1' }] } }, { env: {} }).telemetry;
  t.is(logs.level, 'info');
  const stream = new PassThrough();
  const logger = createSdkLogger(logs, { stream });
  logger.debug('hidden');
  logger.info('shown');
  t.deepEqual(sdkLines(String(stream.read())).map((line) => line['message']), ['shown']);
});

test('level silent writes no line at all, not even errors', (t) => {
  const { logs } = loadConfig({ grpc_clients: { services: [{ name: 'a', address: 'a:1' }] } }, { env: { GRPC_CLIENTS_TELEMETRY_LOGS_LEVEL: 'silent' } }).telemetry;
  t.is(logs.level, 'silent');
  const stream = new PassThrough();
  const logger = createSdkLogger(logs, { stream });
  logger.error('not written');
  logger.warn('not written');
  t.is(stream.read(), null);
  t.false(logger.isLevelEnabled('info'), 'callers that ask before building a line build none');
});

test('the logger init() makes (winston created with its first line) writes and enables exactly what the winston logger does, at every level', (t) => {
  const levels = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
  for (const level of ['silent', 'error', 'warn', 'info', 'debug'] as const) {
    const [eagerStream, deferredStream] = [new PassThrough(), new PassThrough()];
    const eager = createSdkLogger({ level, format: 'json' }, { stream: eagerStream, serviceName: 'checkout' });
    const deferred = deferredSdkLogger({ level, format: 'json' }, { stream: deferredStream, serviceName: 'checkout' });
    // winston's silent is a switch beside level error: it answers true for error and writes nothing.
    t.deepEqual(levels.map((line) => deferred.isLevelEnabled(line)), levels.map((line) => level !== 'silent' && eager.isLevelEnabled(line)), level);
    for (const line of levels) {
      eager.log(line, `a ${line} line`, { service: 'book-service' });
      deferred.log(line, `a ${line} line`, { service: 'book-service' });
    }
    eager.warn('a warning');
    deferred.warn('a warning');
    const written = (stream: PassThrough) => sdkLines(String(stream.read() ?? '')).map(({ timestamp: _timestamp, ...line }) => line);
    t.deepEqual(written(deferredStream), written(eagerStream), level);
  }
});

test('a process with the default logger prints its failed eager connect to stdout, once, at error', async (t) => {
  const { code, stdout } = await runLoggingProcess('default');
  t.is(code, 3);
  const lines = sdkLines(stdout);
  t.is(lines.length, 1, stdout);
  t.like(lines[0], { level: 'error', message: 'grpc connect failed', service: 'book-service' });
});

test('with logs.level silent the process prints nothing', async (t) => {
  const { code, stdout } = await runLoggingProcess('silent');
  t.is(code, 3);
  t.is(stdout, '');
});

test("with init({ logger }) the SDK's lines go to the application's logger and nothing to stdout", async (t) => {
  const { code, stdout, stderr } = await runLoggingProcess('app-logger');
  t.is(code, 3);
  t.is(stdout, '');
  t.like(sdkLines(stderr)[0], { level: 'error', message: 'grpc connect failed', service: 'book-service' });
});

test.serial("with telemetry on, health changes and call lines go to the application's logger", async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  // debug: a NOT_FOUND call line is at debug (an outcome of the caller's own request).
  const { logger, lines } = captureLogger('debug');
  const { clients, manager, shutdown } = await init({
    config: {
      grpc_clients: {
        telemetry: { traces: { exporter: 'none' }, metrics: { exporter: 'none' } },
        services: [{ name: 'book-service', address: server.address, connect: 'eager', health_check: { enabled: true } }],
      },
    },
    clients: { 'book-service': BookService },
    env: {},
    logger,
  });
  t.teardown(shutdown);
  const change = once(manager, 'health') as Promise<[HealthChange]>;
  health.set('', 'NOT_SERVING');
  await change;
  t.is((await getBookError(clients['book-service'], 'nope')).code, Status.NOT_FOUND);
  await new Promise((resolve) => setImmediate(resolve));
  t.like(lines.find((line) => line['status'] === 'NOT_SERVING'), { level: 'warn', message: 'grpc backend health changed', service: 'book-service' });
  const call = lines.find((line) => line['method'] !== undefined);
  t.is(call?.['service'], 'book-service');
  t.regex(String(call?.['method']), /GetBook$/);
});
