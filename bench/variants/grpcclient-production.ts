// grpcclient with the 'production' telemetry profile through a grpc-js client (see grpcclient.ts).
import type { VariantFactory } from '../variant.ts';
import { grpcclientVariant } from './grpcclient.ts';

export const create: VariantFactory = (targets) => grpcclientVariant('production', 'grpc-js', targets);
