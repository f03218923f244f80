// The SDK's winston logger: JSON lines by default, and on every line written inside a span the
// trace_id, span_id and trace_flags that let a log backend jump to the trace.
import winston from 'winston';
import type { TelemetryConfig } from '../config/types.ts';
import { traceContextFormat } from './trace-context-format.ts';

export interface SdkLoggerOptions {
  /** Where lines go (default stdout). */
  stream?: NodeJS.WritableStream;
  /** The logging process, written as `service.name` on every line. */
  serviceName?: string;
}

/** The SDK's own logger, used when the application passes none to init({ logger }). */
export function createSdkLogger(config: TelemetryConfig['logs'], options: SdkLoggerOptions = {}): winston.Logger {
  const render =
    config.format === 'json'
      ? winston.format.json()
      : winston.format.printf(({ level, message, timestamp, ...fields }) => `${String(timestamp)} ${level} ${String(message)} ${JSON.stringify(fields)}`);
  const silent = config.level === 'silent';
  return winston.createLogger({
    // silent is winston's own switch, not a level; 'error' also keeps isLevelEnabled() false for the rest.
    level: silent ? 'error' : config.level,
    silent,
    // The trace fields are read when the line is formatted; winston formats synchronously inside log().
    format: winston.format.combine(traceContextFormat(), winston.format.timestamp(), render),
    defaultMeta: options.serviceName ? { 'service.name': options.serviceName } : {},
    transports: [options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console()],
  });
}
