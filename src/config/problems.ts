// Config problems as users read them: path and reason (convict's validation errors, or the compiled check's),
// the value shown as written (in the file, or in the environment variable that then takes the blame), and a
// "did you mean" for unknown keys.
import type convict from 'convict';
import type { ConfigProblem } from '../errors.ts';
import { closest, typoDistance } from './closest.ts';
import type { SchemaLeaf, SchemaSection } from './schema-shape.ts';

/** A part of a config validated on its own: the process-wide section, or one service entry. */
export interface Section {
  /** Its convict schema. */
  schema: SchemaSection;
  /** Put before the schema's env names: a service's variable prefix, "" where the names are whole. */
  envPrefix: string;
  /** Its values as written in the file or object, before env overrides and defaults. */
  written: unknown;
  /** Where it sits in the document, e.g. "grpc_clients.services[0]." ("" for the document root). */
  prefix: string;
  env: NodeJS.ProcessEnv;
}

/** Runs convict's strict validation and turns its newline-joined message into problems. */
export function validateSection(config: { validate(options: convict.ValidateOptions): unknown }, section: Section): ConfigProblem[] {
  try {
    config.validate({ allowed: 'strict' });
    return [];
  } catch (error) {
    return (error as Error).message.split('\n').filter(Boolean).map((line) => toProblem(line, section));
  }
}

function toProblem(line: string, section: Section): ConfigProblem {
  const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
  if (undeclared) return unknownKey(section, undeclared[1]!);
  const missing = /^configuration param '(.+)' missing from config/.exec(line);
  if (missing) return { path: section.prefix + missing[1], reason: 'must be an object' };
  const separator = line.indexOf(': ');
  if (separator < 0) return { path: section.prefix.replace(/\.$/, ''), reason: line };
  // convict appends the value after coercion ("-5s" became -5000): the value as written replaces it.
  const reason = line.slice(separator + 2).replace(/: value was .*$/, '').trim();
  return fieldProblem(section, line.slice(0, separator), reason);
}

/** A key the schema does not have, with the nearest of its siblings if it looks like a typo of one. */
export function unknownKey(section: Section, field: string): ConfigProblem {
  return { path: section.prefix + field, reason: `unknown key${didYouMean(section.schema, field)}` };
}

/** A problem with one field: led by the value as written, and blamed on the variable that set it, if one did. */
export function fieldProblem(section: Section, field: string, reason: string, options: { showValue?: boolean } = {}): ConfigProblem {
  const { value, variable } = writtenValue(section, field);
  // An empty value from a file reads as missing ("is required"); a variable set to "" is worth showing.
  const show = options.showValue !== false && value !== undefined && (value !== '' || variable !== undefined);
  const shown = show ? `${JSON.stringify(value)} ` : '';
  return { path: section.prefix + field, reason: shown + reason, ...(variable ? { env: variable } : {}) };
}

/** A field's value as written: from its environment variable if set (convict lets it win), else from the file. */
export function writtenValue(section: Section, field: string): { value: unknown; variable?: string } {
  const name = (at(section.schema, field) as SchemaLeaf | undefined)?.env;
  const variable = name === undefined ? undefined : section.envPrefix + name;
  if (variable !== undefined && section.env[variable] !== undefined) return { value: section.env[variable], variable };
  return { value: at(section.written, field) };
}

function didYouMean(schema: object, path: string): string {
  const parts = path.split('.');
  const key = parts.pop()!;
  const siblings = at(schema, parts.join('.'));
  const known = siblings && typeof siblings === 'object' && !('doc' in siblings) ? Object.keys(siblings) : [];
  const nearest = closest(key, known, typoDistance(key));
  return nearest ? ` (did you mean ${nearest}?)` : '';
}

function at(node: unknown, path: string): unknown {
  if (path === '') return node;
  const child = (value: unknown, key: string) =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  return path.split('.').reduce<unknown>(child, node);
}
