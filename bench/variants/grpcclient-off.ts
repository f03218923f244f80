// grpcclient with the 'off' telemetry profile through a grpc-js client (see grpcclient.ts).
import type { VariantFactory } from '../variant.ts';
import { grpcclientVariant } from './grpcclient.ts';

export const create: VariantFactory = (targets) => grpcclientVariant('off', 'grpc-js', targets);
