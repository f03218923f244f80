// The SDK's winston logger: JSON lines by default, and on every line written inside a span the
// trace_id, span_id and trace_flags that let a log backend jump to the trace. init() loads winston only
// when the SDK writes its first line: at info most services write none, and loading winston is a sixth of
// what init() with telemetry costs.
import { createRequire } from 'node:module';
import type winston from 'winston';
import type { TelemetryConfig } from '../config/types.ts';
import { traceContextFormat } from './trace-context-format.ts';

const require = createRequire(import.meta.url);

/** What the SDK writes its lines through: the application's winston logger, or the SDK's own. */
export interface SdkLogger {
  isLevelEnabled(level: string): boolean;
  log(level: string, message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  error(message: string, meta?: object): unknown;
}

/** winston's default (npm) levels, most severe first: a line is written at its logger's level or above. */
const LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

export interface SdkLoggerOptions {
  /** Where lines go (default stdout). */
  stream?: NodeJS.WritableStream;
  /** The logging process, written as `service.name` on every line. */
  serviceName?: string;
}

/** The SDK's own logger, used when the application passes none to init({ logger }). */
export function createSdkLogger(config: TelemetryConfig['logs'], options: SdkLoggerOptions = {}): winston.Logger {
  const winston = require('winston') as typeof import('winston');
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

/** The SDK's own logger as init() makes it: the winston logger is created on the first line that its level lets through. */
export function deferredSdkLogger(config: TelemetryConfig['logs'], options: SdkLoggerOptions = {}): SdkLogger {
  let logger: winston.Logger | undefined;
  const threshold = config.level === 'silent' ? -1 : LEVELS.indexOf(config.level);
  const isLevelEnabled = (level: string) => LEVELS.includes(level) && LEVELS.indexOf(level) <= threshold;
  const log = (level: string, message: string, meta?: object) => {
    if (!isLevelEnabled(level)) return;
    logger ??= createSdkLogger(config, options);
    if (meta) logger.log(level, message, meta);
    else logger.log(level, message);
  };
  return { isLevelEnabled, log, warn: (message, meta) => log('warn', message, meta), error: (message, meta) => log('error', message, meta) };
}
