// Which finished calls get a log line at the default level (info): the level of each status code, and of a
// call refused by shutdown.
import test from 'ava';
import { Writable } from 'node:stream';
import { status as Status } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import winston from 'winston';
import { init } from '../src/index.ts';
import { callLogLevels, logLevelFor } from '../src/telemetry/call-log.ts';
import { getBook } from './helpers/calls.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';

test('server and transport trouble is logged at warn', (t) => {
  for (const code of [Status.UNAVAILABLE, Status.INTERNAL, Status.DATA_LOSS, Status.UNKNOWN]) t.is(logLevelFor(code), 'warn', Status[code]);
});

test("OK and outcomes the caller caused (its own cancel or deadline, client-error codes) are debug: no line at the default level", (t) => {
  const callerCodes = [
    Status.OK,
    Status.CANCELLED,
    Status.DEADLINE_EXCEEDED,
    Status.INVALID_ARGUMENT,
    Status.NOT_FOUND,
    Status.ALREADY_EXISTS,
    Status.PERMISSION_DENIED,
    Status.UNAUTHENTICATED,
    Status.FAILED_PRECONDITION,
    Status.OUT_OF_RANGE,
    Status.ABORTED,
  ];
  for (const code of callerCodes) t.is(logLevelFor(code), 'debug', Status[code]);
});

test('the rest (a method the server lacks, a quota hit) is logged at info', (t) => {
  for (const code of [Status.UNIMPLEMENTED, Status.RESOURCE_EXHAUSTED]) t.is(logLevelFor(code), 'info', Status[code]);
});

test("the SDK's own logger is asked once per status code whether it writes a call's line; an application's logger on every call", (t) => {
  const asked = { own: 0, application: 0 };
  const logger = (who: keyof typeof asked) => ({ isLevelEnabled: (level: string) => (asked[who]++, level !== 'debug') }) as unknown as Logger;
  const own = callLogLevels(logger('own'), true);
  const application = callLogLevels(logger('application'), false);
  for (let call = 0; call < 3; call++) {
    for (const code of [Status.OK, Status.UNAVAILABLE]) {
      t.is(own(code, false), code === Status.OK ? undefined : 'warn');
      t.is(application(code, false), code === Status.OK ? undefined : 'warn');
    }
  }
  t.deepEqual(asked, { own: 2, application: 6 });
});

test('a call refused because shutdown() started is logged at debug: the caller\'s lifecycle, not a backend in trouble', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const lines: { level: string; message: string; status?: string; details?: string }[] = [];
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString())), done()) }) })],
  });
  const sdk = await init({
    config: { grpc_clients: { telemetry: { traces: { exporter: 'none' }, metrics: { exporter: 'none' } }, services: [{ name: 'book-service', address: server.address }] } },
    clients: { 'book-service': BookService },
    env: {},
    logger,
  });
  const closing = sdk.shutdown();
  const whileClosing = getBook(sdk.clients['book-service'], 'b1');
  await closing;
  const afterwards = getBook(sdk.clients['book-service'], 'b2');
  for (const refused of [whileClosing, afterwards]) t.is(((await t.throwsAsync(refused)) as { code?: number }).code, Status.UNAVAILABLE);
  const refusal = { level: 'debug', status: 'UNAVAILABLE', details: `book-service (dns:///${server.address}): client is shut down` };
  t.deepEqual(
    lines.filter((line) => line.message === 'grpc call finished').map(({ level, status, details }) => ({ level, status, details })),
    [refusal, refusal],
  );
});
