// A convict schema compiled once into a check that reads many entries (the services list): convict's rules
// (defaults, strings coerced by the field's format, env overrides, strict keys, each format's check, fields
// checked breadth first) without building, normalising and cloning a convict instance per entry.
import type { ConfigProblem } from '../errors.ts';
import { FORMATS, type ConfigFormat } from './formats.ts';
import { fieldProblem, unknownKey, type Section } from './problems.ts';
import { isLeaf, schemaLeaves, type SchemaFormat, type SchemaSection } from './schema-shape.ts';

type Check = Required<Pick<ConfigFormat, 'coerce' | 'validate'>>;

interface CompiledField extends Check {
  path: string;
  keys: string[];
  default: unknown;
  env?: string;
}

export interface CompiledSchema {
  /** The entry's values (defaults, then the entry, then env overrides) and every problem with them. */
  read(section: Section): { values: Record<string, unknown>; problems: ConfigProblem[] };
}

const asWritten = (value: string): unknown => value;

/** A field's format as convict applies it: a named format of ours, a list of choices, or String. */
function compileFormat(format: SchemaFormat, path: string): Check {
  if (typeof format === 'string') {
    const named = FORMATS[format];
    return { coerce: named.coerce ?? asWritten, validate: named.validate };
  }
  // The two convict built-ins our service fields use, with convict's own reasons.
  if (format === String) {
    return {
      coerce: asWritten,
      validate(value) {
        if (typeof value !== 'string') throw new Error('must be of type String');
      },
    };
  }
  if (Array.isArray(format)) {
    const choices: readonly unknown[] = format;
    return {
      coerce: asWritten,
      validate(value) {
        if (!choices.includes(value)) throw new Error(`must be one of the possible values: ${JSON.stringify(choices)}`);
      },
    };
  }
  throw new Error(`config schema: ${path} has a format the compiled check does not know`);
}

export function compileSchema(schema: SchemaSection): CompiledSchema {
  const fields = schemaLeaves(schema).map(([path, leaf]): CompiledField => ({
    path,
    keys: path.split('.'),
    default: leaf.default,
    ...(leaf.env ? { env: leaf.env } : {}),
    ...compileFormat(leaf.format, path),
  }));
  const byPath = new Map(fields.map((field) => [field.path, field]));
  // convict reports invalid fields breadth first (every top-level one, then those a section down, ...).
  const checkOrder = [...fields].sort((a, b) => a.keys.length - b.keys.length);

  return {
    read(section) {
      const values: Record<string, unknown> = {};
      for (const field of fields) setAt(values, field.keys, copy(field.default));
      const shapeProblems: ConfigProblem[] = [];
      const undeclared: string[] = [];

      // Keys in convict's order: the schema's first (in its order), then unknown ones as written.
      const overlay = (written: Record<string, unknown>, node: SchemaSection, target: Record<string, unknown>, path: string) => {
        for (const key of Object.keys(node)) {
          if (!Object.hasOwn(written, key)) continue;
          const value = written[key];
          const child = node[key]!;
          const fieldPath = path + key;
          // A key given as undefined is a key not given, as the inline config's type allows it.
          if (value === undefined) continue;
          if (isLeaf(child)) target[key] = typeof value === 'string' ? byPath.get(fieldPath)!.coerce(value) : copy(value);
          else if (isRecord(value)) overlay(value, child, target[key] as Record<string, unknown>, `${fieldPath}.`);
          else shapeProblems.push({ path: section.prefix + fieldPath, reason: 'must be an object' });
        }
        for (const key of Object.keys(written)) if (!Object.hasOwn(node, key)) undeclared.push(...flatPaths(written[key], path + key));
      };
      if (isRecord(section.written)) overlay(section.written, schema, values, '');

      // Environment variables win over the entry, as in convict.
      for (const field of fields) {
        const raw = field.env === undefined ? undefined : section.env[section.envPrefix + field.env];
        if (raw !== undefined) setAt(values, field.keys, field.coerce(raw));
      }

      const invalid: ConfigProblem[] = [];
      for (const field of checkOrder) {
        try {
          field.validate(getAt(values, field.keys));
        } catch (error) {
          invalid.push(fieldProblem(section, field.path, (error as Error).message));
        }
      }
      // Breadth first, like the fields.
      const unknown = undeclared.sort((a, b) => depth(a) - depth(b)).map((path) => unknownKey(section, path));
      return { values, problems: [...shapeProblems, ...invalid, ...unknown] };
    },
  };
}

const depth = (path: string) => path.split('.').length;

/** The keys convict reports for an undeclared value: each leaf of an object, or the key itself. */
function flatPaths(value: unknown, path: string): string[] {
  if (!isRecord(value) || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([key, child]) => flatPaths(child, `${path}.${key}`));
}

/** Lists are copied: an entry's values must not share arrays with the schema's defaults or the caller's object. */
function copy(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}

function setAt(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}

function getAt(source: Record<string, unknown>, keys: string[]): unknown {
  let node: unknown = source;
  for (const key of keys) node = (node as Record<string, unknown>)[key];
  return node;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
