// Original file: protos/user.proto


export interface UserBook {
  'id'?: (string);
  'title'?: (string);
  'author'?: (string);
}

export interface UserBook__Output {
  'id': (string);
  'title': (string);
  'author': (string);
}
