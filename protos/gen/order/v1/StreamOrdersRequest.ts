// Original file: protos/order.proto


export interface StreamOrdersRequest {
  'userId'?: (string);
}

export interface StreamOrdersRequest__Output {
  'userId': (string);
}
