// Original file: protos/book.proto


export interface Book {
  'id'?: (string);
  'title'?: (string);
  'author'?: (string);
  'year'?: (number);
  'ownerId'?: (string);
}

export interface Book__Output {
  'id': (string);
  'title': (string);
  'author': (string);
  'year': (number);
  'ownerId': (string);
}
