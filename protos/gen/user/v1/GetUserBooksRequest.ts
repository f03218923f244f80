// Original file: protos/user.proto


export interface GetUserBooksRequest {
  'userId'?: (string);
}

export interface GetUserBooksRequest__Output {
  'userId': (string);
}
