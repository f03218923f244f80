// Original file: protos/order.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateOrderRequest as _order_v1_CreateOrderRequest, CreateOrderRequest__Output as _order_v1_CreateOrderRequest__Output } from '../../order/v1/CreateOrderRequest.ts';
import type { GetOrderRequest as _order_v1_GetOrderRequest, GetOrderRequest__Output as _order_v1_GetOrderRequest__Output } from '../../order/v1/GetOrderRequest.ts';
import type { ListOrdersByUserRequest as _order_v1_ListOrdersByUserRequest, ListOrdersByUserRequest__Output as _order_v1_ListOrdersByUserRequest__Output } from '../../order/v1/ListOrdersByUserRequest.ts';
import type { ListOrdersResponse as _order_v1_ListOrdersResponse, ListOrdersResponse__Output as _order_v1_ListOrdersResponse__Output } from '../../order/v1/ListOrdersResponse.ts';
import type { Order as _order_v1_Order, Order__Output as _order_v1_Order__Output } from '../../order/v1/Order.ts';
import type { StreamOrdersRequest as _order_v1_StreamOrdersRequest, StreamOrdersRequest__Output as _order_v1_StreamOrdersRequest__Output } from '../../order/v1/StreamOrdersRequest.ts';

export interface OrderServiceClient extends grpc.Client {
  CreateOrder(argument: _order_v1_CreateOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  CreateOrder(argument: _order_v1_CreateOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  CreateOrder(argument: _order_v1_CreateOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  CreateOrder(argument: _order_v1_CreateOrderRequest, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _order_v1_CreateOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _order_v1_CreateOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _order_v1_CreateOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _order_v1_CreateOrderRequest, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  
  GetOrder(argument: _order_v1_GetOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  GetOrder(argument: _order_v1_GetOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  GetOrder(argument: _order_v1_GetOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  GetOrder(argument: _order_v1_GetOrderRequest, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _order_v1_GetOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _order_v1_GetOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _order_v1_GetOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _order_v1_GetOrderRequest, callback: grpc.requestCallback<_order_v1_Order__Output>): grpc.ClientUnaryCall;
  
  ListOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  ListOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  ListOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  ListOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  listOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  listOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  listOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  listOrdersByUser(argument: _order_v1_ListOrdersByUserRequest, callback: grpc.requestCallback<_order_v1_ListOrdersResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A user's orders, one message each, as they are read.
   */
  StreamOrders(argument: _order_v1_StreamOrdersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_order_v1_Order__Output>;
  StreamOrders(argument: _order_v1_StreamOrdersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_order_v1_Order__Output>;
  /**
   * A user's orders, one message each, as they are read.
   */
  streamOrders(argument: _order_v1_StreamOrdersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_order_v1_Order__Output>;
  streamOrders(argument: _order_v1_StreamOrdersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_order_v1_Order__Output>;
  
}

export interface OrderServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateOrder: grpc.handleUnaryCall<_order_v1_CreateOrderRequest__Output, _order_v1_Order>;
  
  GetOrder: grpc.handleUnaryCall<_order_v1_GetOrderRequest__Output, _order_v1_Order>;
  
  ListOrdersByUser: grpc.handleUnaryCall<_order_v1_ListOrdersByUserRequest__Output, _order_v1_ListOrdersResponse>;
  
  /**
   * A user's orders, one message each, as they are read.
   */
  StreamOrders: grpc.handleServerStreamingCall<_order_v1_StreamOrdersRequest__Output, _order_v1_Order>;
  
}

export interface OrderServiceDefinition extends grpc.ServiceDefinition {
  CreateOrder: MethodDefinition<_order_v1_CreateOrderRequest, _order_v1_Order, _order_v1_CreateOrderRequest__Output, _order_v1_Order__Output>
  GetOrder: MethodDefinition<_order_v1_GetOrderRequest, _order_v1_Order, _order_v1_GetOrderRequest__Output, _order_v1_Order__Output>
  ListOrdersByUser: MethodDefinition<_order_v1_ListOrdersByUserRequest, _order_v1_ListOrdersResponse, _order_v1_ListOrdersByUserRequest__Output, _order_v1_ListOrdersResponse__Output>
  StreamOrders: MethodDefinition<_order_v1_StreamOrdersRequest, _order_v1_Order, _order_v1_StreamOrdersRequest__Output, _order_v1_Order__Output>
}
