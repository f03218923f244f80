// The bookshop's seed data, held in memory by the services that own it.
import type { Book } from '../protos/gen/book/v1/Book.ts';
import type { Order } from '../protos/gen/order/v1/Order.ts';
import type { User } from '../protos/gen/user/v1/User.ts';

export const USERS: User[] = [
  { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com' },
  { id: 'u2', name: 'Alan Turing', email: 'alan@example.com' },
  { id: 'u3', name: 'Grace Hopper', email: 'grace@example.com' },
];

export const BOOKS: Book[] = [
  { id: 'b1', title: 'Sketch of the Analytical Engine', author: 'L. F. Menabrea', year: 1842, ownerId: 'u1' },
  { id: 'b2', title: 'On Computable Numbers', author: 'A. M. Turing', year: 1936, ownerId: 'u2' },
  { id: 'b3', title: 'Computing Machinery and Intelligence', author: 'A. M. Turing', year: 1950, ownerId: 'u2' },
  { id: 'b4', title: 'The Education of a Computer', author: 'G. M. Hopper', year: 1952, ownerId: 'u3' },
  { id: 'b5', title: 'A Mathematical Theory of Communication', author: 'C. E. Shannon', year: 1948, ownerId: '' },
  { id: 'b6', title: 'Go To Statement Considered Harmful', author: 'E. W. Dijkstra', year: 1968, ownerId: '' },
];

/** Orders placed before the demo starts; CreateOrder appends to a copy of this list. */
export const ORDERS: Order[] = [
  { id: 'o1', userId: 'u1', bookId: 'b5', quantity: 1, status: 'DELIVERED' },
  { id: 'o2', userId: 'u1', bookId: 'b2', quantity: 2, status: 'SHIPPED' },
  { id: 'o3', userId: 'u3', bookId: 'b6', quantity: 1, status: 'PLACED' },
];
