import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CreateOrderRequest as _order_v1_CreateOrderRequest, CreateOrderRequest__Output as _order_v1_CreateOrderRequest__Output } from './order/v1/CreateOrderRequest.ts';
import type { GetOrderRequest as _order_v1_GetOrderRequest, GetOrderRequest__Output as _order_v1_GetOrderRequest__Output } from './order/v1/GetOrderRequest.ts';
import type { ListOrdersByUserRequest as _order_v1_ListOrdersByUserRequest, ListOrdersByUserRequest__Output as _order_v1_ListOrdersByUserRequest__Output } from './order/v1/ListOrdersByUserRequest.ts';
import type { ListOrdersResponse as _order_v1_ListOrdersResponse, ListOrdersResponse__Output as _order_v1_ListOrdersResponse__Output } from './order/v1/ListOrdersResponse.ts';
import type { Order as _order_v1_Order, Order__Output as _order_v1_Order__Output } from './order/v1/Order.ts';
import type { OrderServiceClient as _order_v1_OrderServiceClient, OrderServiceDefinition as _order_v1_OrderServiceDefinition } from './order/v1/OrderService.ts';
import type { StreamOrdersRequest as _order_v1_StreamOrdersRequest, StreamOrdersRequest__Output as _order_v1_StreamOrdersRequest__Output } from './order/v1/StreamOrdersRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  order: {
    v1: {
      CreateOrderRequest: MessageTypeDefinition<_order_v1_CreateOrderRequest, _order_v1_CreateOrderRequest__Output>
      GetOrderRequest: MessageTypeDefinition<_order_v1_GetOrderRequest, _order_v1_GetOrderRequest__Output>
      ListOrdersByUserRequest: MessageTypeDefinition<_order_v1_ListOrdersByUserRequest, _order_v1_ListOrdersByUserRequest__Output>
      ListOrdersResponse: MessageTypeDefinition<_order_v1_ListOrdersResponse, _order_v1_ListOrdersResponse__Output>
      Order: MessageTypeDefinition<_order_v1_Order, _order_v1_Order__Output>
      OrderService: SubtypeConstructor<typeof grpc.Client, _order_v1_OrderServiceClient> & { service: _order_v1_OrderServiceDefinition }
      StreamOrdersRequest: MessageTypeDefinition<_order_v1_StreamOrdersRequest, _order_v1_StreamOrdersRequest__Output>
    }
  }
}

