// Bounds the grpc.method attribute (gRFC A66): a method is reported by its full name only when one of
// the service's client classes declares it; anything else (generic calls with a made-up path) is
// "other", so a caller cannot blow up metric cardinality.
import type { RegisteredService } from '../channels/manager.ts';

export const OTHER_METHOD = 'other';

/** Returns a function mapping "pkg.Service/Method" to itself when registered, else "other". */
export function registeredMethodNamer(service: RegisteredService): (method: string) => string {
  let known = new Set<string>();
  let classesSeen = -1;
  return (method) => {
    // Client classes can be added after the first call; the set is rebuilt only when one was added.
    if (service.definitions.size !== classesSeen) {
      classesSeen = service.definitions.size;
      known = new Set();
      for (const definition of service.definitions) {
        for (const method of Object.values(definition)) known.add(method.path.slice(1));
      }
    }
    return known.has(method) ? method : OTHER_METHOD;
  };
}
