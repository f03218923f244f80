// order-service (gRPC, port 9003): orders. Also a grpcclient client of book-service: CreateOrder
// checks that the book exists. Serves grpc.health.v1 and takes injected latency and errors.
import { status as Status } from '@grpc/grpc-js';
import { init } from '../../src/index.ts';
import type { Order } from '../../protos/gen/order/v1/Order.ts';
import type { OrderServiceHandlers } from '../../protos/gen/order/v1/OrderService.ts';
import { ORDERS } from '../data.ts';
import { bindHost, listenPort } from '../ports.ts';
import { BookService, Health, OrderService } from '../protos.ts';
import { Faults, faultsFromEnv } from '../server/faults.ts';
import { GrpcHost } from '../server/grpc-host.ts';
import { handlersFor, rpcError } from '../server/handlers.ts';
import { HealthService } from '../server/health.ts';
import { announceReady, followChaosCommands, stopOnSignal } from '../server/process.ts';
import { configPath } from './config-path.ts';

const NAME = 'order-service';
const grpc = await init({ config: configPath(NAME), service: NAME, clients: { 'book-service': BookService } });
const books = grpc.clients['book-service'];

const orders: Order[] = ORDERS.map((order) => ({ ...order }));
const faults = new Faults(faultsFromEnv());
const rpc = handlersFor('order.v1.OrderService', faults);

const handlers: OrderServiceHandlers = {
  CreateOrder: rpc.unary('CreateOrder', async ({ userId, bookId, quantity }) => {
    if (!userId || !bookId || quantity < 1) throw rpcError(Status.INVALID_ARGUMENT, 'user_id, book_id and a quantity of at least 1 are required');
    await books.getBook({ id: bookId }).catch((error: { code?: Status }) => {
      throw error.code === Status.NOT_FOUND ? rpcError(Status.FAILED_PRECONDITION, `book ${bookId} does not exist`) : error;
    });
    const order: Order = { id: `o${orders.length + 1}`, userId, bookId, quantity, status: 'PLACED' };
    orders.push(order);
    return order;
  }),
  GetOrder: rpc.unary('GetOrder', async ({ id }) => {
    const order = orders.find((candidate) => candidate.id === id);
    if (!order) throw rpcError(Status.NOT_FOUND, `order ${id} not found`);
    return order;
  }),
  ListOrdersByUser: rpc.unary('ListOrdersByUser', async ({ userId }) => ({ orders: orders.filter((order) => order.userId === userId) })),
  StreamOrders: rpc.serverStream<{ userId: string }, Order>('StreamOrders', async ({ userId }, write) => {
    for (const order of orders.filter((candidate) => candidate.userId === userId)) write(order);
  }),
};

const health = new HealthService(['order.v1.OrderService']);
const host = new GrpcHost(bindHost(), [
  { definition: OrderService.service, implementation: handlers },
  { definition: Health.service, implementation: health.handlers },
]);

followChaosCommands(NAME, faults, host);
stopOnSignal(NAME, async () => {
  health.setServing(false);
  await host.stop();
  await grpc.shutdown();
});
announceReady(NAME, await host.start(listenPort(NAME)));
