// The two front doors to the call engine, so one behaviour test runs against both: the promise client
// (the primary API) and a grpc-js client made by manager.getClient() (the migration path).
import { ConnectionManager, loadConfig } from '../../src/index.ts';
import type { CallScheduler } from '../../src/call/scheduler.ts';
import type { BookClient } from './calls.ts';
import { BookService } from './protos.ts';

export type FrontDoor = 'promise' | 'grpc-js';
export const FRONT_DOORS: readonly FrontDoor[] = ['promise', 'grpc-js'];

export function clientThrough(door: FrontDoor, manager: ConnectionManager, name = 'book-service'): BookClient {
  return door === 'promise' ? manager.client(name, BookService) : manager.getClient(name, BookService);
}

/** A manager with one service `book-service` at `address`, config fields as given, telemetry off. */
export function managerFor(address: string, fields: Record<string, unknown>, scheduler?: CallScheduler): ConnectionManager {
  const manager = new ConnectionManager(scheduler ? { scheduler } : {});
  manager.register(loadConfig({ grpc_clients: { services: [{ name: 'book-service', address, ...fields }] } }, { env: {} }).services[0]!);
  return manager;
}
