// Where a demo service finds its grpcclient config: GRPC_CLIENTS_CONFIG (what init() reads), else
// configs/<service>.yaml in this repository, so `node demo/services/x.ts` works from any folder.
import { fileURLToPath } from 'node:url';

export function configPath(service: string, env = process.env): string {
  return env['GRPC_CLIENTS_CONFIG'] || fileURLToPath(new URL(`../../configs/${service}.yaml`, import.meta.url));
}
