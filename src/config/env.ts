// Environment overrides (GRPC_CLIENTS_<SERVICE>_<FIELD>) are held to the file's strictness: every
// variable with our prefix must name a field of a configured service or a process-wide field.
import type { ConfigProblem } from '../errors.ts';
import { closest } from './closest.ts';
import { globalSchema, schemaLeaves, serviceEnvPrefix, serviceSchema } from './schema.ts';

export const ENV_PREFIX = 'GRPC_CLIENTS_';
/** The config file init() reads when given none: ours, though not a field. */
export const CONFIG_FILE_VARIABLE = 'GRPC_CLIENTS_CONFIG';
/** Suggest a variable only this close: a misspelt name (BOOK_SERVCE), not another service (PAYMENT → BOOK). */
const MAX_TYPO_EDITS = 3;

/** Variable → config path, for every field a service reads from the environment. */
function serviceVariables(name: string, index: number): Map<string, string> {
  const fields = schemaLeaves(serviceSchema(serviceEnvPrefix(name))).filter(([, leaf]) => leaf.env);
  return new Map(fields.map(([path, leaf]) => [leaf.env!, `grpc_clients.services[${index}].${path}`]));
}

/**
 * Problems with the GRPC_CLIENTS_* variables of `env`. `serviceNames` holds each services[] entry's
 * name by position (undefined where an entry has none or repeats an earlier one). Variables without
 * our prefix belong to the application and are not looked at.
 */
export function environmentProblems(env: NodeJS.ProcessEnv, serviceNames: readonly (string | undefined)[]): ConfigProblem[] {
  const perService = serviceNames.map((name, index) => (name === undefined ? new Map<string, string>() : serviceVariables(name, index)));
  const globals = new Map(schemaLeaves(globalSchema).flatMap(([path, leaf]) => (leaf.env ? [[leaf.env, path] as const] : [])));
  const problems: ConfigProblem[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(ENV_PREFIX) || variable === CONFIG_FILE_VARIABLE || env[variable] === undefined) continue;
    const sets = [globals.get(variable), ...perService.map((fields) => fields.get(variable))].filter((path) => path !== undefined);
    if (sets.length === 1) continue;
    if (sets.length > 1) {
      problems.push({ env: variable, path: sets[0]!, reason: `sets ${sets.join(' and ')} at once: rename a service so that their variable prefixes differ` });
      continue;
    }
    problems.push(unknownVariable(variable, serviceNames, perService, globals));
  }
  return problems;
}

function unknownVariable(variable: string, serviceNames: readonly (string | undefined)[], perService: Map<string, string>[], globals: Map<string, string>): ConfigProblem {
  // Names may contain "_" and "-" (book-service next to book-service-v2): the longest matching prefix is the service meant.
  let owner: number | undefined;
  serviceNames.forEach((name, index) => {
    const longer = owner === undefined || serviceEnvPrefix(name ?? '').length > serviceEnvPrefix(serviceNames[owner]!).length;
    if (name !== undefined && variable.startsWith(serviceEnvPrefix(name)) && longer) owner = index;
  });
  const known = new Map([...globals, ...perService.flatMap((fields) => [...fields])]);
  if (owner !== undefined) {
    // The closest of every variable, not only the owner's: "BOOK_SERVCE_…" next to a service "book" means book-service.
    const nearest = closest(variable, known.keys())!;
    const path = known.get(nearest)!;
    const field = perService[owner]!.has(nearest) ? path.replace(/^grpc_clients\.services\[\d+\]\./, '') : path;
    return { env: variable, path: `grpc_clients.services[${owner}]`, reason: `names no field of service "${serviceNames[owner]}"; closest: ${nearest} (${field})` };
  }
  const configured = serviceNames.filter((name) => name !== undefined).map((name) => `${name} (${serviceEnvPrefix(name)}…)`);
  const nearest = closest(variable, known.keys(), MAX_TYPO_EDITS);
  return {
    env: variable,
    path: 'grpc_clients.services',
    reason: `names no configured service and no process-wide field (configured: ${configured.join(', ') || 'none'}; overrides cannot add a service)${nearest ? `; closest: ${nearest}` : ''}`,
  };
}
