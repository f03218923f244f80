// Bounds the grpc.method attribute (gRFC A66): a method is reported by its full name only when one of
// the service's registered client classes declares it; anything else (generic calls with a made-up
// path) is "other", so a caller cannot blow up metric cardinality.
import type { RegisteredService } from '../channels/manager.ts';

export const OTHER_METHOD = 'other';

interface ServiceDefinitionCarrier {
  service?: Record<string, { path?: string }>;
}

/** Returns a function mapping "pkg.Service/Method" to itself when registered, else "other". */
export function registeredMethodNamer(service: RegisteredService): (method: string) => string {
  let known = new Set<string>();
  let classesSeen = -1;
  return (method) => {
    // Clients can be added after the chain was built; the set is rebuilt only when a class was added.
    if (service.clients.size !== classesSeen) {
      classesSeen = service.clients.size;
      known = new Set();
      for (const ctor of service.clients.keys()) {
        for (const definition of Object.values((ctor as ServiceDefinitionCarrier).service ?? {})) {
          if (definition.path) known.add(definition.path.slice(1));
        }
      }
    }
    return known.has(method) ? method : OTHER_METHOD;
  };
}
