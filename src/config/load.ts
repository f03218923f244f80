// Loads grpc_clients config from a YAML/JSON file or an object, applies env overrides and defaults, and
// validates it (convict for the process-wide fields, the compiled service schema for each services[] entry),
// collecting every problem (file and environment alike) before failing.
import { accessSync, constants, readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve, dirname } from 'node:path';
import convict from 'convict';
import { createRequire } from 'node:module';
import { ConfigError, type ConfigProblem } from '../errors.ts';
import { parseTarget } from '../channels/target.ts';
import { compileSchema } from './compiled-schema.ts';
import { formatDuration } from './duration.ts';
import { environmentProblems, ourVariables } from './env.ts';
import { registerFormats } from './formats.ts';
import { fieldProblem, validateSection, writtenValue, type Section } from './problems.ts';
import { globalSchema, serviceEnvPrefix, serviceFields } from './schema.ts';
import type { ConfigSource, GrpcClientsConfig, ServiceConfig } from './types.ts';

registerFormats();
// Compiled once: a config of hundreds of services must not build a convict instance for each.
const serviceCheck = compileSchema(serviceFields);

export interface LoadOptions {
  /** Environment to read overrides from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads and validates a config; throws ConfigError listing every problem. Only the grpc_clients section is
 * read: the document may be the application's own config file with sections of its own (server:, log:, …).
 * Relative TLS paths resolve from the file's folder.
 */
export function loadConfig(source: ConfigSource, options: LoadOptions = {}): GrpcClientsConfig {
  // Only our variables: every field reads at most one, and process.env is slow to look things up in, hundreds of times.
  const env = ourVariables(options.env ?? process.env);
  const { document, label, baseDir } = readSource(source);
  const problems: ConfigProblem[] = [];

  const section = asRecord(asRecord(document)?.['grpc_clients']);
  if (!section) {
    throw new ConfigError(label, [{ path: 'grpc_clients', reason: 'is required: the document must have a grpc_clients section' }]);
  }

  const globalConfig = convict(globalSchema, { env, args: [] });
  globalConfig.load({ grpc_clients: { ...withoutUndefined(section), services: [] } });
  problems.push(...validateSection(globalConfig, { schema: globalSchema, envPrefix: '', written: { grpc_clients: section }, prefix: '', env }));

  const rawServices = section['services'];
  const services: ServiceConfig[] = [];
  if (!Array.isArray(rawServices) || rawServices.length === 0) {
    problems.push({ path: 'grpc_clients.services', reason: 'must be a non-empty list of services' });
  } else {
    rawServices.forEach((raw, index) => {
      const service = loadService(raw, `grpc_clients.services[${index}].`, env, baseDir, problems);
      if (service) services.push(service);
    });
    problems.push(...duplicateNames(rawServices));
  }
  problems.push(...environmentProblems(env, Array.isArray(rawServices) ? serviceNames(rawServices) : []));

  if (problems.length > 0) throw new ConfigError(label, problems);
  const { drain_timeout, telemetry } = globalConfig.getProperties().grpc_clients;
  return { services, drain_timeout, telemetry } as GrpcClientsConfig;
}

/** yaml is loaded on the first YAML file: a config passed as an object or JSON does not pay for it at import. */
function parseYaml(text: string): unknown {
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return parse(text);
}

function readSource(source: ConfigSource): { document: unknown; label: string; baseDir: string } {
  if (typeof source !== 'string') return { document: source, label: 'config object', baseDir: process.cwd() };
  const file = resolve(source);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', reason: `cannot be read: ${(error as Error).message}` }]);
  }
  try {
    const document = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
    return { document, label: file, baseDir: dirname(file) };
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', reason: `is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}` }]);
  }
}

function loadService(raw: unknown, prefix: string, env: NodeJS.ProcessEnv, baseDir: string, problems: ConfigProblem[]): ServiceConfig | undefined {
  const path = prefix.slice(0, -1);
  const entry = asRecord(raw);
  if (!entry) {
    problems.push({ path, reason: 'must be an object with at least name and address' });
    return undefined;
  }
  const before = problems.length;
  const name = typeof entry['name'] === 'string' ? entry['name'] : '';
  const section: Section = { schema: serviceFields, envPrefix: serviceEnvPrefix(name), written: entry, prefix, env };
  const read = serviceCheck.read(section);
  problems.push(...read.problems);

  // Cross-field checks run even when a field failed above, so one pass reports everything.
  const invalid = (field: string) => problems.some((problem) => problem.path === prefix + field);
  const service = read.values as unknown as ServiceConfig;
  if (typeof service.address === 'string' && !invalid('address')) {
    try {
      parseTarget(service.address);
    } catch (error) {
      problems.push(fieldProblem(section, 'address', (error as Error).message, { showValue: false }));
    }
  }
  service.tls = { ...service.tls, ...resolveTlsFiles(service, section, baseDir, problems) };
  if (service.hedging.max_attempts > 1 && service.hedging.methods.length === 0 && service.retry.max > 0) {
    problems.push(fieldProblem(section, 'hedging.methods', 'a method has retry or hedging, not both (gRFC A6): list the hedged methods here, or set retry.max to 0'));
  }
  const bounds = [['retry', 'max_backoff', 'backoff'], ['reconnect', 'max_backoff', 'initial_backoff']] as const;
  for (const [group, upper, lower] of bounds) {
    const values = service[group] as unknown as Record<string, number>;
    if (invalid(`${group}.${upper}`) || invalid(`${group}.${lower}`) || values[upper]! >= values[lower]!) continue;
    const { value } = writtenValue(section, `${group}.${lower}`);
    const shown = value === undefined ? `${formatDuration(values[lower]!)}, the default` : JSON.stringify(value);
    problems.push(fieldProblem(section, `${group}.${upper}`, `must not be below ${group}.${lower} (${shown})`));
  }
  // A periodic lookup sooner than min_resolve_interval would only be held back to it.
  if (!invalid('resolve_interval') && !invalid('min_resolve_interval') && service.resolve_interval > 0 && service.resolve_interval < service.min_resolve_interval) {
    const { value } = writtenValue(section, 'min_resolve_interval');
    const shown = value === undefined ? `${formatDuration(service.min_resolve_interval)}, the default` : JSON.stringify(value);
    problems.push(fieldProblem(section, 'resolve_interval', `must be 0 or not below min_resolve_interval (${shown})`));
  }
  if (service.outlier_detection?.enabled === true && service.load_balancing === 'pick_first') {
    problems.push({ path: `${path}.outlier_detection.enabled`, reason: 'needs load_balancing round_robin or least_request (pick_first sends every call to one address, so there is nothing to eject)' });
  }
  if (!invalid('outlier_detection.base_ejection_time') && service.outlier_detection?.max_ejection_time < service.outlier_detection?.base_ejection_time) {
    problems.push({ path: `${path}.outlier_detection.max_ejection_time`, reason: 'must not be below outlier_detection.base_ejection_time' });
  }
  return problems.length === before ? service : undefined;
}

/** Checks the TLS files exist and are readable, and returns them as absolute paths. */
function resolveTlsFiles(service: ServiceConfig, section: Section, baseDir: string, problems: ConfigProblem[]) {
  const { tls } = service;
  const files = { ca_file: tls.ca_file, cert_file: tls.cert_file, key_file: tls.key_file };
  if (tls.enabled !== true) return files;
  if (Boolean(tls.cert_file) !== Boolean(tls.key_file)) {
    problems.push({ path: `${section.prefix}tls`, reason: 'cert_file and key_file go together (mutual TLS needs both)' });
  }
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
    if (!files[key]) continue;
    const absolute = isAbsolute(files[key]) ? files[key] : resolve(baseDir, files[key]);
    try {
      accessSync(absolute, constants.R_OK);
      files[key] = absolute;
    } catch (error) {
      const reason = `cannot be read: ${(error as NodeJS.ErrnoException).code ?? ''} ${absolute}`.replace('  ', ' ');
      problems.push(fieldProblem(section, `tls.${key}`, reason, { showValue: false }));
    }
  }
  return files;
}

function duplicateNames(rawServices: unknown[]): ConfigProblem[] {
  const firstIndex = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  rawServices.forEach((raw, index) => {
    const name = asRecord(raw)?.['name'];
    if (typeof name !== 'string' || name === '') return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else problems.push({ path: `grpc_clients.services[${index}].name`, reason: `duplicate service name "${name}" (first at services[${first}])` });
  });
  return problems;
}

/** Each entry's name by position for the environment check; undefined where missing or repeated. */
function serviceNames(rawServices: unknown[]): (string | undefined)[] {
  const seen = new Set<string>();
  return rawServices.map((raw) => {
    const name = asRecord(raw)?.['name'];
    if (typeof name !== 'string' || name === '' || seen.has(name)) return undefined;
    seen.add(name);
    return name;
  });
}

/** A key given as undefined is a key not given (the inline config's type allows it); convict would take it as a value. */
function withoutUndefined(node: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.entries(node).flatMap(([key, value]) => {
    if (value === undefined) return [];
    const section = asRecord(value);
    return [[key, section ? withoutUndefined(section) : value] as const];
  });
  return Object.fromEntries(kept);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
