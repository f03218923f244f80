// Original file: protos/order.proto


export interface Order {
  'id'?: (string);
  'userId'?: (string);
  'bookId'?: (string);
  'quantity'?: (number);
  'status'?: (string);
}

export interface Order__Output {
  'id': (string);
  'userId': (string);
  'bookId': (string);
  'quantity': (number);
  'status': (string);
}
