// Original file: protos/user.proto

import type { User as _user_v1_User, User__Output as _user_v1_User__Output } from '../../user/v1/User.ts';

export interface ListUsersResponse {
  'users'?: (_user_v1_User)[];
}

export interface ListUsersResponse__Output {
  'users': (_user_v1_User__Output)[];
}
