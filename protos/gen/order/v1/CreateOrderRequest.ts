// Original file: protos/order.proto


export interface CreateOrderRequest {
  'userId'?: (string);
  'bookId'?: (string);
  'quantity'?: (number);
}

export interface CreateOrderRequest__Output {
  'userId': (string);
  'bookId': (string);
  'quantity': (number);
}
