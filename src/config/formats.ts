// The value kinds our config uses, each a convict format (strict coercion of strings from files and env vars
// alike: "3abc" is not 3) and the TypeScript type an inline config object may give it. Reasons are worded to
// follow the value as written ("-5s" must not be negative).
import convict from 'convict';
import { status as Status } from '@grpc/grpc-js';
import { formatDuration, parseByteSize, parseDuration } from './duration.ts';

/** Bounds that keep durations meaningful: nothing negative, no deadline beyond a day, no wait or backoff beyond 10 minutes. */
const MAX_DURATION_MS = 24 * 3_600_000;
const MAX_WAIT_MS = 10 * 60_000;
const MIN_RESOLVE_INTERVAL_MS = 100;

/** A duration as written inline: milliseconds, or a number with a unit ("250ms", "1.5s", "2m", "1h"). */
export type DurationInput = number | `${number}${'ms' | 's' | 'm' | 'h'}`;
type SizeUnit = 'B' | 'KB' | 'KiB' | 'MB' | 'MiB' | 'GB' | 'GiB';
/** A byte size as written inline: bytes, or a number with a unit ("512KiB", "4MiB"). */
export type ByteSizeInput = number | `${number}${SizeUnit | Lowercase<SizeUnit>}`;
/** A gRPC status code by name ("UNAVAILABLE"). */
export type StatusCodeName = keyof typeof Status;

/** Per format name, the type of its value in an inline config object (what the format accepts besides strings from files). */
export interface FormatInputs {
  duration: DurationInput;
  'positive-duration': DurationInput;
  'wait-duration': DurationInput;
  'resolve-interval': DurationInput;
  'min-resolve-interval': DurationInput;
  count: number;
  'backoff-multiplier': number;
  'retry-tokens': number;
  'positive-number': number;
  'byte-size': ByteSizeInput;
  bool: boolean;
  percent: number;
  ratio: number;
  'tcp-port': number;
  'hedge-attempts': number;
  'service-name': string;
  'status-codes': readonly StatusCodeName[];
  'string-list': readonly string[];
}
export type FormatName = keyof FormatInputs;

/** A convict format as ours are written: strings (from files and env vars) coerced, then every value checked. */
export interface ConfigFormat {
  name?: string;
  coerce?(value: string): unknown;
  /** Throws an Error whose message is the reason, worded to follow the value. */
  validate(value: unknown): void;
}

function durationFormat(name: string, minMs: number, maxMs: number, check?: (ms: number) => void): ConfigFormat {
  return {
    name,
    coerce: (value: string) => parseDuration(value) ?? value,
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new Error(`is not a duration such as "100ms", "5s" or "1m"`);
      }
      if (value < minMs) throw new Error(value < 0 ? 'must not be negative' : `must be at least ${minMs}ms`);
      if (value > maxMs) throw new Error(`must be at most ${formatDuration(maxMs)}`);
      check?.(value);
    },
  };
}

/** A number written as digits only (convict's own coercion would read "3abc" as 3). */
function strictNumber(value: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
}

function numberFormat(accepts: (value: number) => boolean, requirement: string): ConfigFormat {
  return {
    coerce: strictNumber,
    validate(value: unknown) {
      if (typeof value !== 'number' || !accepts(value)) throw new Error(requirement);
    },
  };
}

const STATUS_NAMES = Object.keys(Status).filter((key) => Number.isNaN(Number(key)));

/** Every format by name: convict validates with these, and so does the compiled check of service entries. */
export const FORMATS: Record<FormatName, ConfigFormat> = {
  duration: durationFormat('duration', 0, MAX_DURATION_MS),
  'positive-duration': durationFormat('positive-duration', 1, MAX_DURATION_MS),
  'wait-duration': durationFormat('wait-duration', 1, MAX_WAIT_MS),
  count: numberFormat((value) => Number.isInteger(value) && value >= 0, 'must be a whole number, 0 or more'),
  'backoff-multiplier': numberFormat((value) => value >= 1 && value <= 10, 'must be a number from 1 to 10'),
  'retry-tokens': numberFormat((value) => value > 0 && value <= 1000, 'must be a number in (0, 1000]'),
  'positive-number': numberFormat((value) => value > 0, 'must be a number greater than 0'),
  // Below 100ms every channel would query DNS several times a second, for records that change in minutes.
  'resolve-interval': durationFormat('resolve-interval', 0, MAX_DURATION_MS, (ms) => {
    if (ms > 0 && ms < MIN_RESOLVE_INTERVAL_MS) throw new Error(`must be 0 (resolve only on failure) or at least ${MIN_RESOLVE_INTERVAL_MS}ms`);
  }),
  // The floor of resolve_interval too, and for the same reason; above 10 minutes a moved replica stays lost.
  'min-resolve-interval': durationFormat('min-resolve-interval', MIN_RESOLVE_INTERVAL_MS, MAX_WAIT_MS),
  'byte-size': {
    coerce: (value: string) => parseByteSize(value) ?? value,
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new Error(`is not a byte size such as 4194304, "512KiB" or "4MiB"`);
      }
      if (value < -1) throw new Error('must be -1 (unlimited) or a positive size');
    },
  },
  bool: {
    coerce: (value: string) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value),
    validate(value: unknown) {
      if (typeof value !== 'boolean') throw new Error('must be true or false');
    },
  },
  percent: numberFormat((value) => value >= 0 && value <= 100, 'must be a percentage from 0 to 100'),
  ratio: numberFormat((value) => value >= 0 && value <= 1, 'must be a number from 0 to 1'),
  // Port 0 asks the system for a free port.
  // Not 0: OpenTelemetry's Prometheus exporter reads port 0 as its default, 9464, not as "any free port".
  'tcp-port': numberFormat((value) => Number.isInteger(value) && value >= 1 && value <= 65535, 'must be a port number from 1 to 65535'),
  'hedge-attempts': numberFormat((value) => value === 0 || (Number.isInteger(value) && value >= 2 && value <= 5), 'must be 0 (off) or an integer from 2 to 5'),
  'service-name': {
    validate(value: unknown) {
      if (typeof value !== 'string' || value === '') throw new Error('is required: letters, digits, ".", "_" or "-"');
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) throw new Error('must be letters, digits, ".", "_" or "-", starting with a letter or digit');
    },
  },
  'status-codes': {
    coerce: (value: string) => value.split(',').map((code) => code.trim()),
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0) throw new Error('must be a non-empty list of gRPC status code names');
      const unknown = value.filter((code) => typeof code !== 'string' || !STATUS_NAMES.includes(code.toUpperCase()));
      if (unknown.length > 0) throw new Error(`has unknown status code(s) ${unknown.join(', ')}; known: ${STATUS_NAMES.join(', ')}`);
    },
  },
  'string-list': {
    coerce: (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean),
    validate(value: unknown) {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new Error('must be a list of strings');
    },
  },
};

export function registerFormats(): void {
  convict.addFormats(FORMATS);
}
