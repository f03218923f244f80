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
  env?: string;
  /** Position in convict's breadth-first order (every top-level field, then those a section down, ...), in which problems are reported. */
  rank: number;
  /** False for a default that does not pass its own format (name, ""): checked even when the entry leaves it out. */
  defaultValid: boolean;
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
  const leaves = schemaLeaves(schema);
  const depthOrder = leaves.map(([path]) => path).sort((a, b) => depth(a) - depth(b));
  const byPath = new Map<string, CompiledField>();
  const defaults: Record<string, unknown> = {};
  for (const [path, leaf] of leaves) {
    const check = compileFormat(leaf.format, path);
    const keys = path.split('.');
    byPath.set(path, { path, keys, ...(leaf.env ? { env: leaf.env } : {}), rank: depthOrder.indexOf(path), defaultValid: passes(check, leaf.default), ...check });
    setAt(defaults, keys, leaf.default);
  }
  const fields = [...byPath.values()];
  const withEnv = fields.filter((field) => field.env !== undefined);
  const alwaysChecked = fields.filter((field) => !field.defaultValid);

  return {
    read(section) {
      const values = copy(defaults) as Record<string, unknown>;
      // A valid default stays valid: only what the entry or the environment set is checked.
      const touched = new Set<CompiledField>(alwaysChecked);
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
          if (isLeaf(child)) {
            const field = byPath.get(fieldPath)!;
            target[key] = typeof value === 'string' ? field.coerce(value) : Array.isArray(value) ? [...value] : value;
            touched.add(field);
          } else if (isRecord(value)) overlay(value, child, target[key] as Record<string, unknown>, `${fieldPath}.`);
          else shapeProblems.push({ path: section.prefix + fieldPath, reason: 'must be an object' });
        }
        for (const key of Object.keys(written)) if (!Object.hasOwn(node, key)) undeclared.push(...flatPaths(written[key], path + key));
      };
      if (isRecord(section.written)) overlay(section.written, schema, values, '');

      // Environment variables win over the entry, as in convict.
      if (Object.keys(section.env).some((variable) => variable.startsWith(section.envPrefix))) {
        for (const field of withEnv) {
          const raw = section.env[section.envPrefix + field.env];
          if (raw === undefined) continue;
          setAt(values, field.keys, field.coerce(raw));
          touched.add(field);
        }
      }

      const invalid: ConfigProblem[] = [];
      for (const field of [...touched].sort((a, b) => a.rank - b.rank)) {
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

function passes(check: Check, value: unknown): boolean {
  try {
    check.validate(value);
    return true;
  } catch {
    return false;
  }
}

function depth(path: string): number {
  return path.split('.').length;
}

/** The keys convict reports for an undeclared value: each leaf of an object, or the key itself. */
function flatPaths(value: unknown, path: string): string[] {
  if (!isRecord(value) || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([key, child]) => flatPaths(child, `${path}.${key}`));
}

/** The defaults, sections and lists copied: each entry's values must share nothing with another's (lists from the caller's object are copied where they are read). */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return [...value];
  if (!isRecord(value)) return value;
  const copied: Record<string, unknown> = {};
  for (const key in value) copied[key] = copy(value[key]);
  return copied;
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
