// deadlineFrom(): a service calling another on behalf of its caller never outlives the caller.
import test, { type ExecutionContext } from 'ava';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { deadlineFrom, init, remainingMs } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';
import { getBook, getBookError } from './helpers/calls.ts';

const noTelemetry = { enabled: false };

/**
 * client → front → backend. The backend never answers and records when the call to it ended; the front
 * calls it through grpcclient (default deadline 30s) with deadlineFrom(incoming call, options).
 */
async function chain(t: ExecutionContext, reserveMs?: number) {
  let backendEnded: (at: number) => void = () => {};
  const backendEnd = new Promise<number>((resolve) => (backendEnded = resolve));
  const deadlines: { front?: number; backend?: number } = {};
  const backend = await startBookServer({
    onGetBook: (call) => {
      deadlines.backend = Number(call.getDeadline());
      return new Promise<void>(() => call.on('cancelled', () => backendEnded(Date.now())));
    },
  });
  const sdk = await init({ config: { grpc_clients: { telemetry: noTelemetry, services: [{ name: 'backend', address: backend.address, deadline: '30s' }] } }, clients: { backend: BookService }, env: {} });
  const remainingAtFront: number[] = [];
  const front = await startBookServer({
    onGetBook: async (call) => {
      deadlines.front = Number(call.getDeadline());
      remainingAtFront.push(remainingMs(call));
      try {
        await getBook(sdk.clients.backend, call.request.id, deadlineFrom(call, reserveMs === undefined ? {} : { reserveMs }));
      } catch (error) {
        return { code: (error as ServiceError).code, details: (error as ServiceError).details };
      }
    },
  });
  const client = await init({ config: { grpc_clients: { telemetry: noTelemetry, services: [{ name: 'front', address: front.address }] } }, clients: { front: BookService }, env: {} });
  t.teardown(async () => {
    await client.shutdown();
    await sdk.shutdown();
    await front.stop();
    await backend.stop();
  });
  return { front: client.clients.front, backendEnd, remainingAtFront, deadlines };
}

test('the outgoing call ends at the incoming call deadline, not at the service default of 30s', async (t) => {
  const { front, backendEnd, remainingAtFront } = await chain(t);
  const started = Date.now();
  t.is((await getBookError(front, 'b1', { deadline: started + 400 })).code, Status.DEADLINE_EXCEEDED);
  t.true(remainingAtFront[0]! > 0 && remainingAtFront[0]! <= 400, `front saw ${remainingAtFront[0]}ms remaining`);
  const endedAfter = (await backendEnd) - started;
  // Not before the incoming deadline, and nowhere near the 30 s default (a busy machine may add seconds, not 29).
  t.true(endedAfter >= 350 && endedAfter < 10_000, `backend call ended after ${endedAfter}ms`);
});

test('reserveMs ends the outgoing call that much earlier, leaving the handler time to answer', async (t) => {
  const { front, backendEnd, deadlines } = await chain(t, 200);
  const started = Date.now();
  const error = await getBookError(front, 'b1', { deadline: started + 600 });
  t.is(error.code, Status.DEADLINE_EXCEEDED);
  await backendEnd;
  // The backend was given the front's deadline less the 200 ms reserve (grpc-timeout is relative, so the time
  // the request spent in transit is added back on arrival: allow 150 ms of it on a busy machine).
  const kept = deadlines.front! - deadlines.backend!;
  t.true(kept > 200 - 150 && kept <= 200, `the backend's deadline is ${kept}ms before the front's`);
});

test('cancelling the incoming call cancels the outgoing one', async (t) => {
  const { front, backendEnd } = await chain(t);
  const started = Date.now();
  const aborting = new AbortController();
  front.getBook({ id: 'b1' }, { deadline: started + 10_000, signal: aborting.signal }).catch(() => {});
  setTimeout(() => aborting.abort(), 200);
  const endedAfter = (await backendEnd) - started;
  t.true(endedAfter < 1_000, `backend call ended ${endedAfter}ms after start`);
});
