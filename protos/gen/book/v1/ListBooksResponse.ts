// Original file: protos/book.proto

import type { Book as _book_v1_Book, Book__Output as _book_v1_Book__Output } from '../../book/v1/Book.ts';

export interface ListBooksResponse {
  'books'?: (_book_v1_Book)[];
}

export interface ListBooksResponse__Output {
  'books': (_book_v1_Book__Output)[];
}
