// Original file: protos/book.proto


export interface GetBookRequest {
  'id'?: (string);
}

export interface GetBookRequest__Output {
  'id': (string);
}
