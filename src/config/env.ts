// Environment overrides (GRPC_CLIENTS_<SERVICE>_<FIELD>) are held to the file's strictness: every
// variable with our prefix must name a field of a configured service or a process-wide field.
import type { ConfigProblem } from '../errors.ts';
import { closest } from './closest.ts';
import { globalSchema, serviceEnvPrefix, serviceFields } from './schema.ts';
import { schemaLeaves } from './schema-shape.ts';

export const ENV_PREFIX = 'GRPC_CLIENTS_';
/** The config file init() reads when given none: ours, though not a field. */
export const CONFIG_FILE_VARIABLE = 'GRPC_CLIENTS_CONFIG';
/** Suggest a variable only this close: a misspelt name (BOOK_SERVCE), not another service (PAYMENT → BOOK). */
const MAX_TYPO_EDITS = 3;

/** Variable → the config path it sets. */
type Variables = Map<string, string>;

/** Each service field that a variable can set: its path and the variable's name after the service's prefix. */
const SERVICE_FIELDS = schemaLeaves(serviceFields).flatMap(([path, leaf]) => (leaf.env ? [[path, leaf.env] as const] : []));
const GLOBAL_VARIABLES: Variables = new Map(schemaLeaves(globalSchema).flatMap(([path, leaf]) => (leaf.env ? [[leaf.env, path] as const] : [])));

function serviceVariables(name: string | undefined, index: number): Variables {
  if (name === undefined) return new Map();
  const prefix = serviceEnvPrefix(name);
  return new Map(SERVICE_FIELDS.map(([path, variable]) => [prefix + variable, `grpc_clients.services[${index}].${path}`]));
}

/** The GRPC_CLIENTS_* variables of `env`, as a plain object. */
export function ourVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([variable, value]) => variable.startsWith(ENV_PREFIX) && value !== undefined));
}

/**
 * Problems with the GRPC_CLIENTS_* variables of `env`. `serviceNames` holds each services[] entry's
 * name by position (undefined where an entry has none or repeats an earlier one). Variables without
 * our prefix belong to the application and are not looked at.
 */
export function environmentProblems(env: NodeJS.ProcessEnv, serviceNames: readonly (string | undefined)[]): ConfigProblem[] {
  const ours = Object.keys(env)
    .filter((variable) => variable.startsWith(ENV_PREFIX) && variable !== CONFIG_FILE_VARIABLE && env[variable] !== undefined)
    .sort();
  // Most processes set none: then the variables of hundreds of services need not be listed.
  if (ours.length === 0) return [];
  const perService = serviceNames.map(serviceVariables);
  const problems: ConfigProblem[] = [];
  for (const variable of ours) {
    const sets = [GLOBAL_VARIABLES, ...perService].flatMap((variables) => variables.get(variable) ?? []);
    if (sets.length === 1) continue;
    if (sets.length > 1) {
      const reason = `sets ${sets.join(' and ')} at once: rename a service so that their variable prefixes differ`;
      problems.push({ env: variable, path: sets[0]!, reason });
    } else {
      problems.push(unknownVariable(variable, serviceNames, perService, GLOBAL_VARIABLES));
    }
  }
  return problems;
}

function unknownVariable(variable: string, names: readonly (string | undefined)[], perService: Variables[], globals: Variables): ConfigProblem {
  const known: Variables = new Map([...globals, ...perService.flatMap((variables) => [...variables])]);
  const owner = owningService(variable, names);
  if (owner !== undefined) {
    // The closest of all variables, not only the owner's: "BOOK_SERVCE_…" beside a service "book" means book-service.
    const nearest = closest(variable, known.keys())!;
    const path = known.get(nearest)!;
    const field = perService[owner]!.has(nearest) ? path.replace(/^grpc_clients\.services\[\d+\]\./, '') : path;
    const reason = `names no field of service "${names[owner]}"; closest: ${nearest} (${field})`;
    return { env: variable, path: `grpc_clients.services[${owner}]`, reason };
  }
  const configured = names.filter((name) => name !== undefined).map((name) => `${name} (${serviceEnvPrefix(name)}…)`);
  const nearest = closest(variable, known.keys(), MAX_TYPO_EDITS);
  const reason =
    `names no configured service and no process-wide field ` +
    `(configured: ${configured.join(', ') || 'none'}; overrides cannot add a service)${nearest ? `; closest: ${nearest}` : ''}`;
  return { env: variable, path: 'grpc_clients.services', reason };
}

/** Names may contain "_" and "-" (book beside book-service): the longest matching prefix is the service meant. */
function owningService(variable: string, names: readonly (string | undefined)[]): number | undefined {
  let owner: number | undefined;
  let longest = 0;
  names.forEach((name, index) => {
    const prefix = name === undefined ? undefined : serviceEnvPrefix(name);
    if (prefix && variable.startsWith(prefix) && prefix.length > longest) [owner, longest] = [index, prefix.length];
  });
  return owner;
}
