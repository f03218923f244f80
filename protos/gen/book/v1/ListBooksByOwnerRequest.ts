// Original file: protos/book.proto


export interface ListBooksByOwnerRequest {
  'ownerId'?: (string);
}

export interface ListBooksByOwnerRequest__Output {
  'ownerId': (string);
}
