// Human-readable durations and byte sizes for config values ("100ms", "5s", "1m", "4MiB").

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1_000, kib: 1_024, mb: 1_000_000, mib: 1_048_576, gb: 1_000_000_000, gib: 1_073_741_824 };

/**
 * "<number><unit>" (units from `units`, case-insensitive) or a plain whole number (already in the base
 * unit) into the base unit, rounded; undefined if malformed. A leading "-" is kept so that range checks,
 * not the parser, say "must not be negative".
 */
function parseWithUnits(text: string, units: Record<string, number>): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  const match = /^(-?\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(trimmed);
  const unit = match && units[match[2]!.toLowerCase()];
  return unit ? Math.round(Number(match[1]) * unit) : undefined;
}

/** Parses "250ms", "1.5s", "2m", "1h" (or a number of milliseconds) into milliseconds; undefined if malformed. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' ? parseWithUnits(value, DURATION_UNITS_MS) : undefined;
}

/** Parses a byte count ("4MiB", "512KB", 1048576); undefined if malformed. */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  return typeof value === 'string' ? parseWithUnits(value, SIZE_UNITS) : undefined;
}

/** "1500ms" → "1.5s": the inverse used in messages, gauges and logs. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
