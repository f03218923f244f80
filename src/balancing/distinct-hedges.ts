// gRFC A6: hedges should go to backends the call has not used yet, and the LB is to be told which ones
// were. grpc-js 1.14 gives a picker only the request metadata, and a copy without opaque data, so each
// attempt of a hedged call carries a routing id in a request header: the SDK's top picker looks the id up
// here, picks again (a bounded number of times) while it lands on an address an earlier attempt went
// to, records where this attempt goes, and takes the header off, so it never reaches the server.
import type { experimental } from '@grpc/grpc-js';

export const ROUTING_HEADER = 'grpcclient-attempt-routing';

/** Picks at most this many times for one attempt: enough to step past a few used addresses in round_robin. */
const MAX_PICKS = 8;

export interface AttemptRouting {
  /** "host:port" of the addresses earlier attempts of the call were sent to. */
  readonly avoid: ReadonlySet<string>;
  /** Written by the picker: where this attempt goes. */
  picked?: string;
}

/** The routing of attempts not yet ended, by the id their header carries. */
const routings = new Map<string, AttemptRouting>();
let lastId = 0;

/** Registers an attempt's routing; returns its header value and a function that forgets it. */
export function registerRouting(routing: AttemptRouting): { id: string; forget: () => void } {
  const id = String(++lastId);
  routings.set(id, routing);
  return { id, forget: () => routings.delete(id) };
}

/** The inner picker's pick, picked again while it lands on an address to avoid (then the last pick stands). */
export function pickAvoidingUsed(pick: (args: experimental.PickArgs) => experimental.PickResult, args: experimental.PickArgs, addressOf: (result: experimental.PickResult) => string | undefined): experimental.PickResult {
  const [id] = args.metadata.get(ROUTING_HEADER);
  const routing = id === undefined ? undefined : routings.get(String(id));
  let result = pick(args);
  if (id === undefined) return result;
  args.metadata.remove(ROUTING_HEADER);
  if (!routing) return result;
  let address = addressOf(result);
  for (let picks = 1; picks < MAX_PICKS && address !== undefined && routing.avoid.has(address); picks++) {
    result = pick(args);
    address = addressOf(result);
  }
  if (address !== undefined) routing.picked = address;
  return result;
}
