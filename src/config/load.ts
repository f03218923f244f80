// Loads grpc_clients config from a YAML/JSON file or an object, applies env overrides and defaults,
// and validates it with convict, collecting every problem before failing.
import { accessSync, constants, readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve, dirname } from 'node:path';
import convict from 'convict';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors.ts';
import { parseTarget } from '../channels/target.ts';
import { registerFormats } from './formats.ts';
import { globalSchema, serviceEnvPrefix, serviceSchema } from './schema.ts';
import type { ConfigSource, GrpcClientsConfig, ServiceConfig } from './types.ts';

registerFormats();

export interface LoadOptions {
  /** Environment to read overrides from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Loads and validates a config; throws ConfigError listing every problem. Relative TLS paths resolve from the file's folder. */
export function loadConfig(source: ConfigSource, options: LoadOptions = {}): GrpcClientsConfig {
  const env = options.env ?? process.env;
  const { document, label, baseDir } = readSource(source);
  const problems: ConfigProblem[] = [];

  const root = asRecord(document);
  const section = asRecord(root?.['grpc_clients']);
  if (!root || !section) {
    throw new ConfigError(label, [{ path: 'grpc_clients', reason: 'is required: the document must have a grpc_clients section' }]);
  }
  for (const key of Object.keys(root)) {
    if (key !== 'grpc_clients') problems.push({ path: key, reason: 'unknown key (only grpc_clients is read)' });
  }

  const globalConfig = convict(globalSchema, { env, args: [] });
  globalConfig.load({ grpc_clients: { ...section, services: [] } });
  problems.push(...validateWithConvict(globalConfig, ''));

  const rawServices = section['services'];
  const services: ServiceConfig[] = [];
  if (!Array.isArray(rawServices) || rawServices.length === 0) {
    problems.push({ path: 'grpc_clients.services', reason: 'must be a non-empty list of services' });
  } else {
    rawServices.forEach((raw, index) => {
      const path = `grpc_clients.services[${index}]`;
      const service = loadService(raw, path, env, baseDir, problems);
      if (service) services.push(service);
    });
    problems.push(...duplicateNames(rawServices));
  }

  if (problems.length > 0) throw new ConfigError(label, problems);
  const { drain_timeout, telemetry } = globalConfig.getProperties().grpc_clients;
  return { services, drain_timeout, telemetry } as GrpcClientsConfig;
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

function loadService(raw: unknown, path: string, env: NodeJS.ProcessEnv, baseDir: string, problems: ConfigProblem[]): ServiceConfig | undefined {
  const entry = asRecord(raw);
  if (!entry) {
    problems.push({ path, reason: 'must be an object with at least name and address' });
    return undefined;
  }
  const before = problems.length;
  const name = typeof entry['name'] === 'string' ? entry['name'] : '';
  const schema = serviceSchema(serviceEnvPrefix(name));
  const sections = Object.keys(schema).filter((key) => !('doc' in schema[key as keyof typeof schema]));
  const wellShaped = { ...entry };
  for (const key of sections) {
    if (key in entry && !asRecord(entry[key])) {
      problems.push({ path: `${path}.${key}`, reason: 'must be an object' });
      delete wellShaped[key];
    }
  }
  const config = convict(schema, { env, args: [] });
  config.load(wellShaped);
  problems.push(...validateWithConvict(config, `${path}.`));

  // Cross-field checks run even when a field failed above, so one pass reports everything.
  const service = config.getProperties() as ServiceConfig;
  if (typeof service.address === 'string' && !problems.some((problem) => problem.path === `${path}.address`)) {
    try {
      parseTarget(service.address);
    } catch (error) {
      problems.push({ path: `${path}.address`, reason: (error as Error).message });
    }
  }
  service.tls = { ...service.tls, ...resolveTlsFiles(service, path, baseDir, problems) };
  const invalid = (field: string) => problems.some((problem) => problem.path === `${path}.${field}`);
  if (!invalid('retry.backoff') && service.retry.max_backoff < service.retry.backoff) {
    problems.push({ path: `${path}.retry.max_backoff`, reason: `must not be below retry.backoff (${service.retry.backoff}ms)` });
  }
  if (!invalid('reconnect.initial_backoff') && service.reconnect.max_backoff < service.reconnect.initial_backoff) {
    problems.push({ path: `${path}.reconnect.max_backoff`, reason: 'must not be below reconnect.initial_backoff' });
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
function resolveTlsFiles(service: ServiceConfig, path: string, baseDir: string, problems: ConfigProblem[]) {
  const { tls } = service;
  const files = { ca_file: tls.ca_file, cert_file: tls.cert_file, key_file: tls.key_file };
  if (tls.enabled !== true) return files;
  if (Boolean(tls.cert_file) !== Boolean(tls.key_file)) {
    problems.push({ path: `${path}.tls`, reason: 'cert_file and key_file go together (mutual TLS needs both)' });
  }
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
    if (!files[key]) continue;
    const absolute = isAbsolute(files[key]) ? files[key] : resolve(baseDir, files[key]);
    try {
      accessSync(absolute, constants.R_OK);
      files[key] = absolute;
    } catch (error) {
      problems.push({ path: `${path}.tls.${key}`, reason: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? ''} ${absolute}`.replace('  ', ' ') });
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

/** Runs convict's strict validation and turns its newline-joined message into path/reason pairs. */
function validateWithConvict(config: { validate(options: { allowed: 'strict' }): unknown }, prefix: string): ConfigProblem[] {
  try {
    config.validate({ allowed: 'strict' });
    return [];
  } catch (error) {
    return (error as Error).message.split('\n').filter(Boolean).map((line) => toProblem(line, prefix));
  }
}

function toProblem(line: string, prefix: string): ConfigProblem {
  const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
  if (undeclared) return { path: prefix + undeclared[1], reason: 'unknown key' };
  const missing = /^configuration param '(.+)' missing from config/.exec(line);
  if (missing) return { path: prefix + missing[1], reason: 'must be an object' };
  const separator = line.indexOf(': ');
  if (separator < 0) return { path: prefix.replace(/\.$/, ''), reason: line };
  return { path: prefix + line.slice(0, separator), reason: line.slice(separator + 2).trim() };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
