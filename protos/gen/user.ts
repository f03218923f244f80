import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetUserBooksRequest as _user_v1_GetUserBooksRequest, GetUserBooksRequest__Output as _user_v1_GetUserBooksRequest__Output } from './user/v1/GetUserBooksRequest.ts';
import type { GetUserBooksResponse as _user_v1_GetUserBooksResponse, GetUserBooksResponse__Output as _user_v1_GetUserBooksResponse__Output } from './user/v1/GetUserBooksResponse.ts';
import type { GetUserRequest as _user_v1_GetUserRequest, GetUserRequest__Output as _user_v1_GetUserRequest__Output } from './user/v1/GetUserRequest.ts';
import type { ListUsersRequest as _user_v1_ListUsersRequest, ListUsersRequest__Output as _user_v1_ListUsersRequest__Output } from './user/v1/ListUsersRequest.ts';
import type { ListUsersResponse as _user_v1_ListUsersResponse, ListUsersResponse__Output as _user_v1_ListUsersResponse__Output } from './user/v1/ListUsersResponse.ts';
import type { StreamUserOrdersRequest as _user_v1_StreamUserOrdersRequest, StreamUserOrdersRequest__Output as _user_v1_StreamUserOrdersRequest__Output } from './user/v1/StreamUserOrdersRequest.ts';
import type { User as _user_v1_User, User__Output as _user_v1_User__Output } from './user/v1/User.ts';
import type { UserBook as _user_v1_UserBook, UserBook__Output as _user_v1_UserBook__Output } from './user/v1/UserBook.ts';
import type { UserOrder as _user_v1_UserOrder, UserOrder__Output as _user_v1_UserOrder__Output } from './user/v1/UserOrder.ts';
import type { UserServiceClient as _user_v1_UserServiceClient, UserServiceDefinition as _user_v1_UserServiceDefinition } from './user/v1/UserService.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  user: {
    v1: {
      GetUserBooksRequest: MessageTypeDefinition<_user_v1_GetUserBooksRequest, _user_v1_GetUserBooksRequest__Output>
      GetUserBooksResponse: MessageTypeDefinition<_user_v1_GetUserBooksResponse, _user_v1_GetUserBooksResponse__Output>
      GetUserRequest: MessageTypeDefinition<_user_v1_GetUserRequest, _user_v1_GetUserRequest__Output>
      ListUsersRequest: MessageTypeDefinition<_user_v1_ListUsersRequest, _user_v1_ListUsersRequest__Output>
      ListUsersResponse: MessageTypeDefinition<_user_v1_ListUsersResponse, _user_v1_ListUsersResponse__Output>
      StreamUserOrdersRequest: MessageTypeDefinition<_user_v1_StreamUserOrdersRequest, _user_v1_StreamUserOrdersRequest__Output>
      User: MessageTypeDefinition<_user_v1_User, _user_v1_User__Output>
      UserBook: MessageTypeDefinition<_user_v1_UserBook, _user_v1_UserBook__Output>
      UserOrder: MessageTypeDefinition<_user_v1_UserOrder, _user_v1_UserOrder__Output>
      /**
       * Users of the demo bookshop. UserService is itself a client of book- and order-service.
       */
      UserService: SubtypeConstructor<typeof grpc.Client, _user_v1_UserServiceClient> & { service: _user_v1_UserServiceDefinition }
    }
  }
}

