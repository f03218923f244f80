// Original file: protos/order.proto


export interface ListOrdersByUserRequest {
  'userId'?: (string);
}

export interface ListOrdersByUserRequest__Output {
  'userId': (string);
}
