// user-service (gRPC, port 9001): users, and the seed's internal-service case: a gRPC server that is
// itself a grpcclient client of book-service and order-service. Its outgoing calls run inside the
// incoming call's SERVER span, so they join the caller's trace.
import { status as Status } from '@grpc/grpc-js';
import { init } from '../../src/index.ts';
import type { UserOrder } from '../../protos/gen/user/v1/UserOrder.ts';
import type { UserServiceHandlers } from '../../protos/gen/user/v1/UserService.ts';
import { USERS } from '../data.ts';
import { bindHost, listenPort } from '../ports.ts';
import { BookService, Health, OrderService, UserService } from '../protos.ts';
import { GrpcHost } from '../server/grpc-host.ts';
import { handlersFor, rpcError } from '../server/handlers.ts';
import { HealthService } from '../server/health.ts';
import { announceReady, stopOnSignal } from '../server/process.ts';
import { configPath } from './config-path.ts';

const NAME = 'user-service';
const grpc = await init({ config: configPath(NAME), service: NAME, clients: { 'book-service': BookService, 'order-service': OrderService } });
const { 'book-service': books, 'order-service': orders } = grpc.clients;
const rpc = handlersFor('user.v1.UserService');

function findUser(id: string) {
  const user = USERS.find((candidate) => candidate.id === id);
  if (!user) throw rpcError(Status.NOT_FOUND, `user ${id} not found`);
  return user;
}

const handlers: UserServiceHandlers = {
  GetUser: rpc.unary('GetUser', async ({ id }) => findUser(id)),
  ListUsers: rpc.unary('ListUsers', async ({ pageSize }) => ({ users: USERS.slice(0, pageSize || USERS.length) })),
  // The books a user owns (book-service) and the ones they ordered (order-service, then book-service
  // for each): one request fans out to both backends, which is what the demo's waterfall shows.
  GetUserBooks: rpc.unary('GetUserBooks', async ({ userId }) => {
    const user = findUser(userId);
    const [owned, ordered] = await Promise.all([
      books.listBooksByOwner({ ownerId: userId }),
      orders.listOrdersByUser({ userId }),
    ]);
    const ownedIds = new Set(owned.books.map((book) => book.id));
    const orderedIds = [...new Set(ordered.orders.map((order) => order.bookId))].filter((id) => !ownedIds.has(id));
    const orderedBooks = await Promise.all(orderedIds.map((id) => books.getBook({ id })));
    return { user, books: [...owned.books, ...orderedBooks].map(({ id, title, author }) => ({ id, title, author })) };
  }),
  StreamUserOrders: rpc.serverStream<{ userId: string }, UserOrder>('StreamUserOrders', async ({ userId }, write) => {
    findUser(userId);
    for await (const order of orders.streamOrders({ userId })) {
      write({ orderId: order.id, bookId: order.bookId, quantity: order.quantity, status: order.status });
    }
  }),
};

const health = new HealthService(['user.v1.UserService']);
const host = new GrpcHost(bindHost(), [
  { definition: UserService.service, implementation: handlers },
  { definition: Health.service, implementation: health.handlers },
]);

stopOnSignal(NAME, async () => {
  health.setServing(false);
  await host.stop();
  await grpc.shutdown();
});
announceReady(NAME, await host.start(listenPort(NAME)));
