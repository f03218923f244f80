// Original file: protos/user.proto


export interface StreamUserOrdersRequest {
  'userId'?: (string);
}

export interface StreamUserOrdersRequest__Output {
  'userId': (string);
}
