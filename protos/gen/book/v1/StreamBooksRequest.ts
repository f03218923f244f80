// Original file: protos/book.proto


export interface StreamBooksRequest {
  'limit'?: (number);
}

export interface StreamBooksRequest__Output {
  'limit': (number);
}
