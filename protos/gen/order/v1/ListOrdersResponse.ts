// Original file: protos/order.proto

import type { Order as _order_v1_Order, Order__Output as _order_v1_Order__Output } from '../../order/v1/Order.ts';

export interface ListOrdersResponse {
  'orders'?: (_order_v1_Order)[];
}

export interface ListOrdersResponse__Output {
  'orders': (_order_v1_Order__Output)[];
}
