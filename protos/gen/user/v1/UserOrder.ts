// Original file: protos/user.proto


export interface UserOrder {
  'orderId'?: (string);
  'bookId'?: (string);
  'quantity'?: (number);
  'status'?: (string);
}

export interface UserOrder__Output {
  'orderId': (string);
  'bookId': (string);
  'quantity': (number);
  'status': (string);
}
