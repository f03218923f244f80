// Command-line flags of `npm run bench`, with the defaults of a full run (about 35 minutes on 2 cores).
import { parseArgs } from 'node:util';
import { VARIANTS, type VariantName } from './variant.ts';

export interface Scenario {
  name: string;
  kind: 'unary' | 'stream';
  concurrency: number;
}

export const SCENARIOS: Scenario[] = [
  { name: 'unary c=1', kind: 'unary', concurrency: 1 },
  { name: 'unary c=64', kind: 'unary', concurrency: 64 },
  { name: 'server-streaming (20 messages) c=16', kind: 'stream', concurrency: 16 },
];

export interface BenchOptions {
  rounds: number;
  warmupMs: number;
  durationMs: number;
  variants: VariantName[];
  scenarios: Scenario[];
  soakCalls: number;
  retrySeconds: number;
  initRuns: number;
  /** Extra measurements to leave out: init, soak, retry. */
  skip: Set<string>;
  outDir: string;
  /** Write a V8 CPU profile of every measured client run into <outDir>/profiles. */
  profile: boolean;
  /** Write an allocation profile of every measured client run into <outDir>/profiles. */
  heapProfile: boolean;
}

const USAGE = `npm run bench -- [--quick] [--rounds N] [--warmup S] [--duration S] [--variants a,b] [--scenarios c1,c64,stream]
                    [--soak-calls N] [--retry-seconds S] [--skip init,soak,retry] [--out DIR] [--profile] [--heap-profile]
  --quick: 3 rounds of 1 s windows, a 50,000-call soak, 5 s of retry amplification (about 3 minutes).
  Full run (default): 3 rounds of 3 s windows after 8 s warm-up, the 1,000,000-call soak, 30 s of retry amplification.
  --warmup S: seconds of calls before each measured window. Below about 5 s a window still measures V8 compiling
    the client (most of all the OpenTelemetry SDK's code), not the client; --quick is that cold, so judge nothing by it.
  --profile: also write a CPU profile of each client run to DIR/profiles (read one with bench/profile-top.ts).
  --heap-profile: also write an allocation profile of each client run there (read one with bench/heap-top.ts).
  variants: ${VARIANTS.join(', ')}`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      variants: { type: 'string' },
      scenarios: { type: 'string' },
      'soak-calls': { type: 'string' },
      'retry-seconds': { type: 'string' },
      'init-runs': { type: 'string' },
      skip: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'heap-profile': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const number = (value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`bench: not a number: ${value}\n${USAGE}`);
    return parsed;
  };
  const variants = values.variants === undefined ? [...VARIANTS] : (values.variants.split(',') as VariantName[]);
  const unknown = variants.filter((name) => !VARIANTS.includes(name));
  if (unknown.length > 0) throw new Error(`bench: unknown variant(s) ${unknown.join(', ')}\n${USAGE}`);
  if (!variants.includes('raw-grpc-js')) variants.unshift('raw-grpc-js'); // every ratio is against it
  const scenarioKeys: Record<string, Scenario> = { c1: SCENARIOS[0]!, c64: SCENARIOS[1]!, stream: SCENARIOS[2]! };
  const scenarios = values.scenarios === undefined ? SCENARIOS : values.scenarios.split(',').map((key) => {
    const scenario = scenarioKeys[key];
    if (!scenario) throw new Error(`bench: unknown scenario ${key} (c1, c64, stream)`);
    return scenario;
  });
  return {
    rounds: number(values.rounds, 3),
    // A service runs warm: with 1 s of warm-up a window measured JIT compilation, worst for the clients with the
    // most code (raw grpc-js 113-132 µs/call cold vs 70-83 warm, the production profile 215 vs 94; docs/benchmarks.md).
    warmupMs: number(values.warmup, quick ? 0.3 : 8) * 1000,
    durationMs: number(values.duration, quick ? 1 : 3) * 1000,
    variants,
    scenarios,
    soakCalls: number(values['soak-calls'], quick ? 50_000 : 1_000_000),
    retrySeconds: number(values['retry-seconds'], quick ? 5 : 30),
    initRuns: number(values['init-runs'], 3),
    skip: new Set((values.skip ?? '').split(',').filter(Boolean)),
    outDir: values.out ?? new URL('./results/', import.meta.url).pathname,
    profile: values.profile,
    heapProfile: values['heap-profile'],
  };
}
