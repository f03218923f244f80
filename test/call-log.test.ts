// Which finished calls get a log line at the default level (info): the level of each status code.
import test from 'ava';
import { status as Status } from '@grpc/grpc-js';
import { logLevelFor } from '../src/telemetry/call-log.ts';

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
