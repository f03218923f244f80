// How our convict schemas are written and walked: fields (leaves) and sections, with literal types kept.
import type { FormatName } from './formats.ts';

/** What a field accepts: one of our named formats, one of a list of values, any string, or (the services list) an array. */
export type SchemaFormat = FormatName | readonly string[] | StringConstructor | ArrayConstructor;

/** A field of a schema: what convict reads (doc, format, default, env). */
export interface SchemaLeaf {
  doc: string;
  default: unknown;
  format: SchemaFormat;
  env?: string;
  /** The default only stands in for "not given": an entry must set the field (the inline type makes it required). */
  required?: true;
}

/** A section of a schema: fields and sub-sections by key. */
export interface SchemaSection {
  readonly [key: string]: SchemaLeaf | SchemaSection;
}

/** The schema as written, its formats kept as literal types so that input.ts can derive the inline config's type. */
export function defineSchema<const S extends SchemaSection>(schema: S): S {
  return schema;
}

export function isLeaf(node: SchemaLeaf | SchemaSection): node is SchemaLeaf {
  return 'doc' in node;
}

/** Every field of a schema (or of one of its sections) with its dotted path, in declaration order. */
export function schemaLeaves(node: SchemaSection, path = ''): Array<[string, SchemaLeaf]> {
  return Object.entries(node).flatMap(([key, value]) => {
    const fieldPath = path ? `${path}.${key}` : key;
    return isLeaf(value) ? [[fieldPath, value] as [string, SchemaLeaf]] : schemaLeaves(value, fieldPath);
  });
}
