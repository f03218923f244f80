// api-gateway (HTTP JSON, port 8080): the seed's gateway case. One init() gives it typed clients of
// user-, book- and order-service; every HTTP request becomes a trace through them.
import { init } from '../../src/index.ts';
import { gatewayServer } from '../gateway/http-server.ts';
import { routes } from '../gateway/routes.ts';
import { bindHost, listenPort } from '../ports.ts';
import { BookService, OrderService, UserService } from '../protos.ts';
import { announceReady, stopOnSignal } from '../server/process.ts';
import { configPath } from './config-path.ts';

const NAME = 'api-gateway';
const grpc = await init({
  config: configPath(NAME),
  service: NAME,
  clients: { 'user-service': UserService, 'book-service': BookService, 'order-service': OrderService },
});
const { 'user-service': users, 'book-service': books, 'order-service': orders } = grpc.clients;

const server = gatewayServer(routes({ users, books, orders }));
stopOnSignal(NAME, async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await grpc.shutdown();
});
const port = await new Promise<number>((resolve, reject) => {
  server.once('error', reject);
  server.listen(listenPort(NAME), bindHost(), () => resolve((server.address() as { port: number }).port));
});
announceReady(NAME, port);
