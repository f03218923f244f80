// Original file: protos/book.proto


export interface ListBooksRequest {
  'pageSize'?: (number);
}

export interface ListBooksRequest__Output {
  'pageSize': (number);
}
