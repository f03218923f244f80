// Which new traces are recorded: OTEL_TRACES_SAMPLER (+ OTEL_TRACES_SAMPLER_ARG) when set, else the
// config's sample_ratio, parent-based so a trace an upstream service sampled stays whole.
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';
import type { TelemetryConfig } from '../config/types.ts';

export function samplerFor(config: TelemetryConfig, env: NodeJS.ProcessEnv, warn: (message: string) => void): Sampler {
  const configured = () => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.traces.sample_ratio) });
  const name = env['OTEL_TRACES_SAMPLER']?.trim();
  if (!name) return configured();
  const ratio = () => {
    const raw = env['OTEL_TRACES_SAMPLER_ARG'];
    const value = Number(raw);
    if (raw === undefined || raw.trim() === '') return 1;
    if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
    warn(`OTEL_TRACES_SAMPLER_ARG "${raw}" is not a ratio from 0 to 1; using 1`);
    return 1;
  };
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      warn(`OTEL_TRACES_SAMPLER "${name}" is not supported; using telemetry.traces.sample_ratio`);
      return configured();
  }
}
