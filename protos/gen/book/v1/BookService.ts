// Original file: protos/book.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Book as _book_v1_Book, Book__Output as _book_v1_Book__Output } from '../../book/v1/Book.ts';
import type { GetBookRequest as _book_v1_GetBookRequest, GetBookRequest__Output as _book_v1_GetBookRequest__Output } from '../../book/v1/GetBookRequest.ts';
import type { ListBooksByOwnerRequest as _book_v1_ListBooksByOwnerRequest, ListBooksByOwnerRequest__Output as _book_v1_ListBooksByOwnerRequest__Output } from '../../book/v1/ListBooksByOwnerRequest.ts';
import type { ListBooksRequest as _book_v1_ListBooksRequest, ListBooksRequest__Output as _book_v1_ListBooksRequest__Output } from '../../book/v1/ListBooksRequest.ts';
import type { ListBooksResponse as _book_v1_ListBooksResponse, ListBooksResponse__Output as _book_v1_ListBooksResponse__Output } from '../../book/v1/ListBooksResponse.ts';
import type { StreamBooksRequest as _book_v1_StreamBooksRequest, StreamBooksRequest__Output as _book_v1_StreamBooksRequest__Output } from '../../book/v1/StreamBooksRequest.ts';

export interface BookServiceClient extends grpc.Client {
  GetBook(argument: _book_v1_GetBookRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  GetBook(argument: _book_v1_GetBookRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  GetBook(argument: _book_v1_GetBookRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  GetBook(argument: _book_v1_GetBookRequest, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  getBook(argument: _book_v1_GetBookRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  getBook(argument: _book_v1_GetBookRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  getBook(argument: _book_v1_GetBookRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  getBook(argument: _book_v1_GetBookRequest, callback: grpc.requestCallback<_book_v1_Book__Output>): grpc.ClientUnaryCall;
  
  ListBooks(argument: _book_v1_ListBooksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  ListBooks(argument: _book_v1_ListBooksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  ListBooks(argument: _book_v1_ListBooksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  ListBooks(argument: _book_v1_ListBooksRequest, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooks(argument: _book_v1_ListBooksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooks(argument: _book_v1_ListBooksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooks(argument: _book_v1_ListBooksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooks(argument: _book_v1_ListBooksRequest, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  
  ListBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  ListBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  ListBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  ListBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  listBooksByOwner(argument: _book_v1_ListBooksByOwnerRequest, callback: grpc.requestCallback<_book_v1_ListBooksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Every book of the catalogue, one message each.
   */
  StreamBooks(argument: _book_v1_StreamBooksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_book_v1_Book__Output>;
  StreamBooks(argument: _book_v1_StreamBooksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_book_v1_Book__Output>;
  /**
   * Every book of the catalogue, one message each.
   */
  streamBooks(argument: _book_v1_StreamBooksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_book_v1_Book__Output>;
  streamBooks(argument: _book_v1_StreamBooksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_book_v1_Book__Output>;
  
}

export interface BookServiceHandlers extends grpc.UntypedServiceImplementation {
  GetBook: grpc.handleUnaryCall<_book_v1_GetBookRequest__Output, _book_v1_Book>;
  
  ListBooks: grpc.handleUnaryCall<_book_v1_ListBooksRequest__Output, _book_v1_ListBooksResponse>;
  
  ListBooksByOwner: grpc.handleUnaryCall<_book_v1_ListBooksByOwnerRequest__Output, _book_v1_ListBooksResponse>;
  
  /**
   * Every book of the catalogue, one message each.
   */
  StreamBooks: grpc.handleServerStreamingCall<_book_v1_StreamBooksRequest__Output, _book_v1_Book>;
  
}

export interface BookServiceDefinition extends grpc.ServiceDefinition {
  GetBook: MethodDefinition<_book_v1_GetBookRequest, _book_v1_Book, _book_v1_GetBookRequest__Output, _book_v1_Book__Output>
  ListBooks: MethodDefinition<_book_v1_ListBooksRequest, _book_v1_ListBooksResponse, _book_v1_ListBooksRequest__Output, _book_v1_ListBooksResponse__Output>
  ListBooksByOwner: MethodDefinition<_book_v1_ListBooksByOwnerRequest, _book_v1_ListBooksResponse, _book_v1_ListBooksByOwnerRequest__Output, _book_v1_ListBooksResponse__Output>
  StreamBooks: MethodDefinition<_book_v1_StreamBooksRequest, _book_v1_Book, _book_v1_StreamBooksRequest__Output, _book_v1_Book__Output>
}
