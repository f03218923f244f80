import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Book as _book_v1_Book, Book__Output as _book_v1_Book__Output } from './book/v1/Book.ts';
import type { BookServiceClient as _book_v1_BookServiceClient, BookServiceDefinition as _book_v1_BookServiceDefinition } from './book/v1/BookService.ts';
import type { GetBookRequest as _book_v1_GetBookRequest, GetBookRequest__Output as _book_v1_GetBookRequest__Output } from './book/v1/GetBookRequest.ts';
import type { ListBooksByOwnerRequest as _book_v1_ListBooksByOwnerRequest, ListBooksByOwnerRequest__Output as _book_v1_ListBooksByOwnerRequest__Output } from './book/v1/ListBooksByOwnerRequest.ts';
import type { ListBooksRequest as _book_v1_ListBooksRequest, ListBooksRequest__Output as _book_v1_ListBooksRequest__Output } from './book/v1/ListBooksRequest.ts';
import type { ListBooksResponse as _book_v1_ListBooksResponse, ListBooksResponse__Output as _book_v1_ListBooksResponse__Output } from './book/v1/ListBooksResponse.ts';
import type { StreamBooksRequest as _book_v1_StreamBooksRequest, StreamBooksRequest__Output as _book_v1_StreamBooksRequest__Output } from './book/v1/StreamBooksRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  book: {
    v1: {
      Book: MessageTypeDefinition<_book_v1_Book, _book_v1_Book__Output>
      BookService: SubtypeConstructor<typeof grpc.Client, _book_v1_BookServiceClient> & { service: _book_v1_BookServiceDefinition }
      GetBookRequest: MessageTypeDefinition<_book_v1_GetBookRequest, _book_v1_GetBookRequest__Output>
      ListBooksByOwnerRequest: MessageTypeDefinition<_book_v1_ListBooksByOwnerRequest, _book_v1_ListBooksByOwnerRequest__Output>
      ListBooksRequest: MessageTypeDefinition<_book_v1_ListBooksRequest, _book_v1_ListBooksRequest__Output>
      ListBooksResponse: MessageTypeDefinition<_book_v1_ListBooksResponse, _book_v1_ListBooksResponse__Output>
      StreamBooksRequest: MessageTypeDefinition<_book_v1_StreamBooksRequest, _book_v1_StreamBooksRequest__Output>
    }
  }
}

