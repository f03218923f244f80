// Original file: protos/user.proto


export interface ListUsersRequest {
  'pageSize'?: (number);
}

export interface ListUsersRequest__Output {
  'pageSize': (number);
}
