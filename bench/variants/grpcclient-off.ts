// grpcclient with the 'off' telemetry profile (see grpcclient.ts).
import type { VariantFactory } from '../variant.ts';
import { grpcclientVariant } from './grpcclient.ts';

export const create: VariantFactory = (targets) => grpcclientVariant('off', targets);
