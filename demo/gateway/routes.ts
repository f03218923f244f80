// The gateway's HTTP JSON routes, each answered by grpcclient calls to the backends.
import { status as Status } from '@grpc/grpc-js';
import type { PromiseClient } from '../../src/index.ts';
import type { BookServiceClient } from '../../protos/gen/book/v1/BookService.ts';
import type { OrderServiceClient } from '../../protos/gen/order/v1/OrderService.ts';
import type { UserServiceClient } from '../../protos/gen/user/v1/UserService.ts';
import { rpcError } from '../server/handlers.ts';

export interface Backends {
  users: PromiseClient<UserServiceClient>;
  books: PromiseClient<BookServiceClient>;
  orders: PromiseClient<OrderServiceClient>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Path pattern; `:name` segments become params. */
  path: string;
  handle(params: Record<string, string>, body: unknown): Promise<unknown>;
}

export function routes({ users, books, orders }: Backends): Route[] {
  return [
    { method: 'GET', path: '/users/:id', handle: ({ id = '' }) => users.getUser({ id }) },
    // The demo's showcase request: gateway → user-service → book-service and order-service.
    { method: 'GET', path: '/users/:id/books', handle: ({ id = '' }) => users.getUserBooks({ userId: id }) },
    { method: 'GET', path: '/users/:id/orders', handle: ({ id = '' }) => Array.fromAsync(users.streamUserOrders({ userId: id })) },
    { method: 'GET', path: '/books/:id', handle: ({ id = '' }) => books.getBook({ id }) },
    {
      method: 'POST',
      path: '/orders',
      handle: (_params, body) => {
        const { userId, bookId, quantity } = (body ?? {}) as { userId?: unknown; bookId?: unknown; quantity?: unknown };
        if (typeof userId !== 'string' || typeof bookId !== 'string') {
          throw rpcError(Status.INVALID_ARGUMENT, 'body must be JSON {"userId": string, "bookId": string, "quantity"?: number}');
        }
        return orders.createOrder({ userId, bookId, quantity: typeof quantity === 'number' ? quantity : 1 });
      },
    },
  ];
}

/** The route and params matching a request, if any. */
export function match(table: Route[], method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = pathname.split('/').filter(Boolean);
  for (const route of table) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((segment, index) => {
      const part = decodeURIComponent(parts[index] ?? '');
      if (segment.startsWith(':')) params[segment.slice(1)] = part;
      return segment.startsWith(':') || segment === part;
    });
    if (matches) return { route, params };
  }
  return undefined;
}
