// Which finished calls get a log line at the default level (info): the level of each status code.
import test from 'ava';
import { status as Status } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { callLogLevels, logLevelFor } from '../src/telemetry/call-log.ts';

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
      t.is(own(code), code === Status.OK ? undefined : 'warn');
      t.is(application(code), code === Status.OK ? undefined : 'warn');
    }
  }
  t.deepEqual(asked, { own: 2, application: 6 });
});
