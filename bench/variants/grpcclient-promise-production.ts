// grpcclient with the 'production' telemetry profile, through the promise client (see grpcclient.ts).
import type { VariantFactory } from '../variant.ts';
import { grpcclientVariant } from './grpcclient.ts';

export const create: VariantFactory = (targets) => grpcclientVariant('production', 'promise', targets);
