// Original file: protos/user.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetUserBooksRequest as _user_v1_GetUserBooksRequest, GetUserBooksRequest__Output as _user_v1_GetUserBooksRequest__Output } from '../../user/v1/GetUserBooksRequest.ts';
import type { GetUserBooksResponse as _user_v1_GetUserBooksResponse, GetUserBooksResponse__Output as _user_v1_GetUserBooksResponse__Output } from '../../user/v1/GetUserBooksResponse.ts';
import type { GetUserRequest as _user_v1_GetUserRequest, GetUserRequest__Output as _user_v1_GetUserRequest__Output } from '../../user/v1/GetUserRequest.ts';
import type { ListUsersRequest as _user_v1_ListUsersRequest, ListUsersRequest__Output as _user_v1_ListUsersRequest__Output } from '../../user/v1/ListUsersRequest.ts';
import type { ListUsersResponse as _user_v1_ListUsersResponse, ListUsersResponse__Output as _user_v1_ListUsersResponse__Output } from '../../user/v1/ListUsersResponse.ts';
import type { StreamUserOrdersRequest as _user_v1_StreamUserOrdersRequest, StreamUserOrdersRequest__Output as _user_v1_StreamUserOrdersRequest__Output } from '../../user/v1/StreamUserOrdersRequest.ts';
import type { User as _user_v1_User, User__Output as _user_v1_User__Output } from '../../user/v1/User.ts';
import type { UserOrder as _user_v1_UserOrder, UserOrder__Output as _user_v1_UserOrder__Output } from '../../user/v1/UserOrder.ts';

/**
 * Users of the demo bookshop. UserService is itself a client of book- and order-service.
 */
export interface UserServiceClient extends grpc.Client {
  GetUser(argument: _user_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _user_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _user_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _user_v1_GetUserRequest, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _user_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _user_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _user_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _user_v1_GetUserRequest, callback: grpc.requestCallback<_user_v1_User__Output>): grpc.ClientUnaryCall;
  
  /**
   * A user's books, gathered from book-service (the internal-service call path).
   */
  GetUserBooks(argument: _user_v1_GetUserBooksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  GetUserBooks(argument: _user_v1_GetUserBooksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  GetUserBooks(argument: _user_v1_GetUserBooksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  GetUserBooks(argument: _user_v1_GetUserBooksRequest, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A user's books, gathered from book-service (the internal-service call path).
   */
  getUserBooks(argument: _user_v1_GetUserBooksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  getUserBooks(argument: _user_v1_GetUserBooksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  getUserBooks(argument: _user_v1_GetUserBooksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  getUserBooks(argument: _user_v1_GetUserBooksRequest, callback: grpc.requestCallback<_user_v1_GetUserBooksResponse__Output>): grpc.ClientUnaryCall;
  
  ListUsers(argument: _user_v1_ListUsersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  ListUsers(argument: _user_v1_ListUsersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  ListUsers(argument: _user_v1_ListUsersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  ListUsers(argument: _user_v1_ListUsersRequest, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _user_v1_ListUsersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _user_v1_ListUsersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _user_v1_ListUsersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _user_v1_ListUsersRequest, callback: grpc.requestCallback<_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A user's orders, streamed as order-service returns them.
   */
  StreamUserOrders(argument: _user_v1_StreamUserOrdersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_user_v1_UserOrder__Output>;
  StreamUserOrders(argument: _user_v1_StreamUserOrdersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_user_v1_UserOrder__Output>;
  /**
   * A user's orders, streamed as order-service returns them.
   */
  streamUserOrders(argument: _user_v1_StreamUserOrdersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_user_v1_UserOrder__Output>;
  streamUserOrders(argument: _user_v1_StreamUserOrdersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_user_v1_UserOrder__Output>;
  
}

/**
 * Users of the demo bookshop. UserService is itself a client of book- and order-service.
 */
export interface UserServiceHandlers extends grpc.UntypedServiceImplementation {
  GetUser: grpc.handleUnaryCall<_user_v1_GetUserRequest__Output, _user_v1_User>;
  
  /**
   * A user's books, gathered from book-service (the internal-service call path).
   */
  GetUserBooks: grpc.handleUnaryCall<_user_v1_GetUserBooksRequest__Output, _user_v1_GetUserBooksResponse>;
  
  ListUsers: grpc.handleUnaryCall<_user_v1_ListUsersRequest__Output, _user_v1_ListUsersResponse>;
  
  /**
   * A user's orders, streamed as order-service returns them.
   */
  StreamUserOrders: grpc.handleServerStreamingCall<_user_v1_StreamUserOrdersRequest__Output, _user_v1_UserOrder>;
  
}

export interface UserServiceDefinition extends grpc.ServiceDefinition {
  GetUser: MethodDefinition<_user_v1_GetUserRequest, _user_v1_User, _user_v1_GetUserRequest__Output, _user_v1_User__Output>
  GetUserBooks: MethodDefinition<_user_v1_GetUserBooksRequest, _user_v1_GetUserBooksResponse, _user_v1_GetUserBooksRequest__Output, _user_v1_GetUserBooksResponse__Output>
  ListUsers: MethodDefinition<_user_v1_ListUsersRequest, _user_v1_ListUsersResponse, _user_v1_ListUsersRequest__Output, _user_v1_ListUsersResponse__Output>
  StreamUserOrders: MethodDefinition<_user_v1_StreamUserOrdersRequest, _user_v1_UserOrder, _user_v1_StreamUserOrdersRequest__Output, _user_v1_UserOrder__Output>
}
