// grpcclient's promise client inside an application that brought its own OpenTelemetry (app-otel.ts):
// 100% spans through the application's tracer provider, metrics through its MeterProvider's instruments.
import type { VariantFactory } from '../variant.ts';
import { startApplicationOpenTelemetry } from './app-otel.ts';
import { grpcclientVariant } from './grpcclient.ts';

export const create: VariantFactory = async (targets) => {
  const application = startApplicationOpenTelemetry(targets.sinkUrl);
  const variant = await grpcclientVariant('app', 'promise', targets);
  return {
    ...variant,
    close: async () => {
      await variant.close();
      await application.shutdown();
    },
  };
};
