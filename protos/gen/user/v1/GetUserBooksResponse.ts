// Original file: protos/user.proto

import type { User as _user_v1_User, User__Output as _user_v1_User__Output } from '../../user/v1/User.ts';
import type { UserBook as _user_v1_UserBook, UserBook__Output as _user_v1_UserBook__Output } from '../../user/v1/UserBook.ts';

export interface GetUserBooksResponse {
  'user'?: (_user_v1_User | null);
  'books'?: (_user_v1_UserBook)[];
}

export interface GetUserBooksResponse__Output {
  'user': (_user_v1_User__Output | null);
  'books': (_user_v1_UserBook__Output)[];
}
