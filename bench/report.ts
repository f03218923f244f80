// Turns the per-run records into the summary (median [min..max] over rounds, ratios to raw grpc-js
// within the same round) and the markdown table docs/benchmarks.md links to, with the issue's targets checked.
import type { ClientReport } from './client.ts';
import type { ImportInitReport } from './import-init.ts';
import type { InitReport } from './init-lazy.ts';
import type { RetryReport } from './retry-amplification.ts';
import type { SoakReport } from './soak.ts';
import { formatSpread, spread, type Spread } from './stats.ts';
import { VARIANT_LABELS, type VariantName } from './variant.ts';

export interface RunRecord {
  round: number;
  scenario: string;
  variant: VariantName;
  report: ClientReport;
  /** Root spans the sink received while this client ran. */
  rootSpans: number;
  spansOk: boolean;
}

export interface VariantSummary {
  variant: VariantName;
  callsPerSecond: Spread;
  /** calls/s divided by raw grpc-js's calls/s in the same round and scenario. */
  ratioToRaw: Spread;
  p50Us: Spread;
  p99Us: Spread;
  /** p50 minus raw grpc-js's p50 in the same round. */
  addedP50Us: Spread;
  cpuUsPerCall: Spread;
  /** raw grpc-js's CPU per call divided by this variant's, same round: the ratio without the other processes' noise. */
  cpuRatioToRaw: Spread;
  peakRssMb: Spread;
  errors: number;
  /** Root spans received / calls traced, summed over rounds; undefined for untraced variants. */
  spans?: { received: number; calls: number; ratio: number; ok: boolean };
}

export interface ScenarioSummary {
  scenario: string;
  variants: VariantSummary[];
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  status: 'met' | 'missed' | 'pending';
}

export interface BenchResults {
  date: string;
  machine: { node: string; cpus: number; platform: string };
  /** git commit measured (short hash, "+dirty" with uncommitted src/ or bench/ changes). */
  commit?: string;
  command: string;
  options: { rounds: number; warmupMs: number; durationMs: number; soakCalls: number; retrySeconds: number };
  wallSeconds: number;
  summary: ScenarioSummary[];
  runs: RunRecord[];
  init: { profile: 'off' | 'all'; runs: InitReport[] }[];
  /** import of the package + init() of one lazy service, telemetry off, each in a fresh process. */
  importInit?: ImportInitReport[];
  soak?: SoakReport & { rootSpans: number; spansOk: boolean };
  retry?: RetryReport;
}

export function summarise(records: RunRecord[], variants: VariantName[], scenarios: string[]): ScenarioSummary[] {
  return scenarios.map((scenario) => {
    const inScenario = records.filter((record) => record.scenario === scenario);
    const raw = (round: number) => inScenario.find((record) => record.round === round && record.variant === 'raw-grpc-js')?.report;
    return {
      scenario,
      variants: variants.map((variant) => {
        const runs = inScenario.filter((record) => record.variant === variant);
        const of = (pick: (report: ClientReport) => number) => spread(runs.map((record) => pick(record.report)));
        const traced = runs.filter((record) => record.report.traceRatio > 0);
        const received = traced.reduce((sum, record) => sum + record.rootSpans, 0);
        const calls = traced.reduce((sum, record) => sum + record.report.totalCalls, 0);
        return {
          variant,
          callsPerSecond: of((report) => report.callsPerSecond),
          ratioToRaw: spread(runs.map((record) => record.report.callsPerSecond / (raw(record.round)?.callsPerSecond ?? Number.NaN))),
          p50Us: of((report) => report.p50Us),
          p99Us: of((report) => report.p99Us),
          addedP50Us: spread(runs.map((record) => record.report.p50Us - (raw(record.round)?.p50Us ?? Number.NaN))),
          cpuUsPerCall: of((report) => report.cpuUsPerCall),
          cpuRatioToRaw: spread(runs.map((record) => (raw(record.round)?.cpuUsPerCall ?? Number.NaN) / record.report.cpuUsPerCall)),
          peakRssMb: of((report) => report.peakRssMb),
          errors: runs.reduce((sum, record) => sum + record.report.errors, 0),
          ...(traced.length > 0 ? { spans: { received, calls, ratio: traced[0]!.report.traceRatio, ok: traced.every((record) => record.spansOk) } } : {}),
        };
      }),
    };
  });
}

function find(results: BenchResults, scenario: string, variant: VariantName): VariantSummary | undefined {
  return results.summary.find((entry) => entry.scenario === scenario)?.variants.find((entry) => entry.variant === variant);
}

export function targets(results: BenchResults): Target[] {
  const list: Target[] = [];
  const c64 = (variant: VariantName) => find(results, 'unary c=64', variant);
  const status = (ok: boolean | undefined): Target['status'] => (ok === undefined ? 'pending' : ok ? 'met' : 'missed');
  // Judged on the CPU ratio (client CPU per call, which other load disturbs less); calls/s ratio shown beside it.
  const both = (entry: VariantSummary) => `CPU ${formatSpread(entry.cpuRatioToRaw, 2)}x, calls/s ${formatSpread(entry.ratioToRaw, 2)}x`;
  const ratioTarget = (variant: VariantName, name: string, goal: number) => {
    const entry = c64(variant);
    if (entry) list.push({ name, goal: `>= ${goal.toFixed(2)}x raw`, measured: both(entry), status: status(entry.cpuRatioToRaw.median >= goal) });
  };
  ratioTarget('grpcclient-promise-off', 'Promise client, telemetry off, c=64', 1.0);
  ratioTarget('grpcclient-promise-production', 'Promise client, production profile (10% spans), c=64', 0.95);
  const all = c64('grpcclient-promise-all');
  const peers = [c64('grpc-js-instrumentation'), c64('nice-grpc-otel-prom')].filter((entry) => entry !== undefined);
  if (all) {
    const ahead = peers.every((peer) => all.cpuRatioToRaw.median > peer.cpuRatioToRaw.median);
    list.push({
      name: 'Promise client, everything on (100% spans, OTLP), c=64',
      goal: '>= 0.80x raw, ahead of instrumentation-grpc and nice-grpc',
      measured: `${both(all)}; instrumentation-grpc: CPU ${formatSpread(c64('grpc-js-instrumentation')?.cpuRatioToRaw ?? spread([]), 2)}x, nice-grpc: CPU ${formatSpread(c64('nice-grpc-otel-prom')?.cpuRatioToRaw ?? spread([]), 2)}x`,
      status: status(all.cpuRatioToRaw.median >= 0.8 && ahead),
    });
  }
  const c1 = find(results, 'unary c=1', 'grpcclient-promise-all');
  if (c1) list.push({ name: 'Added p50 at c=1, everything on', goal: '<= 15 µs over raw', measured: `${formatSpread(c1.addedP50Us, 0)} µs`, status: status(c1.addedP50Us.median <= 15) });
  for (const { profile, runs } of results.init) {
    const ms = spread(runs.map((run) => run.ms));
    const heap = spread(runs.map((run) => run.heapMb));
    list.push({ name: `init() with 200 lazy services, telemetry ${profile}`, goal: '<= 100 ms and <= 20 MB heap', measured: `${formatSpread(ms, 1)} ms, ${formatSpread(heap, 1)} MB`, status: status(ms.median <= 100 && heap.median <= 20) });
  }
  if (results.importInit?.length) {
    const ms = spread(results.importInit.map((run) => run.ms));
    list.push({ name: 'import + init() of one lazy service, telemetry off', goal: '<= 150 ms', measured: `${formatSpread(ms, 0)} ms`, status: status(ms.median <= 150) });
  }
  if (results.soak) {
    const { soak } = results;
    list.push({ name: `Soak, ${soak.calls.toLocaleString('en-US')} calls (${soak.variant})`, goal: 'heap growth <= 10 MB', measured: `${soak.heapGrowthMb.toFixed(2)} MB`, status: status(soak.heapGrowthMb <= 10) });
  }
  if (results.retry) {
    const { retry } = results;
    // One attempt for the very first failing call means no retry layer ran: nothing to judge yet.
    const active = retry.firstCallAttempts > 1;
    list.push({
      name: 'Backend down: attempts per call',
      goal: `<= 1.2 once throttling engages (naive: ${retry.naiveAttemptsPerCall})`,
      measured: `${retry.steadyAttemptsPerCall.toFixed(2)} steady, ${retry.attemptsPerCall.toFixed(2)} overall, first call ${retry.firstCallAttempts}`,
      status: active ? status(retry.steadyAttemptsPerCall <= 1.2) : 'pending',
    });
  }
  return list;
}

export function renderMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  const { options } = results;
  lines.push('# Benchmark results', '');
  lines.push(
    `${results.date} · commit ${results.commit ?? 'unknown'} · Node ${results.machine.node} · ${results.machine.cpus} CPUs (${results.machine.platform}) · \`${results.command}\` · ` +
      `${options.rounds} rounds, ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s measured per client process · ${results.wallSeconds.toFixed(0)} s in all`,
    '',
    'One loopback grpc-js server and one OTLP HTTP sink, each in its own process; every client variant in a fresh process. ' +
      'Each cell is median [min..max] over rounds; ratios and added latency compare with raw grpc-js in the same round. ' +
      '"ratio to raw" is calls/s over raw\'s calls/s; "CPU ratio" is raw\'s client CPU per call over the variant\'s, which other load on the machine disturbs less. ' +
      'At c=64 the machine is CPU-bound, so the ratio there measures client CPU per call. Spans: root spans received by the sink / calls traced (warm-up included).',
    '',
  );
  lines.push('## Targets', '', '| target | goal | measured | status |', '|---|---|---|---|');
  for (const target of targets(results)) lines.push(`| ${target.name} | ${target.goal} | ${target.measured} | ${target.status === 'met' ? 'met' : target.status === 'missed' ? '**missed**' : 'pending'} |`);
  lines.push('');
  for (const { scenario, variants } of results.summary) {
    lines.push(`## ${scenario}`, '', '| client | calls/s | ratio to raw | p50 µs | +p50 µs | p99 µs | CPU µs/call | CPU ratio | peak RSS MB | spans |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const entry of variants) {
      const spans = entry.spans ? `${entry.spans.received.toLocaleString('en-US')}/${entry.spans.calls.toLocaleString('en-US')} ${entry.spans.ok ? 'ok' : '**mismatch**'}` : '-';
      const errors = entry.errors > 0 ? ` (**${entry.errors} errors**)` : '';
      lines.push(
        `| ${VARIANT_LABELS[entry.variant]}${errors} | ${formatSpread(entry.callsPerSecond)} | ${formatSpread(entry.ratioToRaw, 2)} | ${formatSpread(entry.p50Us)} | ${formatSpread(entry.addedP50Us)} | ${formatSpread(entry.p99Us)} | ${formatSpread(entry.cpuUsPerCall)} | ${entry.cpuRatioToRaw ? formatSpread(entry.cpuRatioToRaw, 2) : 'n/a'} | ${formatSpread(entry.peakRssMb)} | ${spans} |`,
      );
    }
    lines.push('');
  }
  if (results.init.length > 0) {
    lines.push('## init() with 200 configured lazy services', '', '| telemetry | time ms | heap kept MB (after GC) |', '|---|---|---|');
    for (const { profile, runs } of results.init) lines.push(`| ${profile} | ${formatSpread(spread(runs.map((run) => run.ms)), 1)} | ${formatSpread(spread(runs.map((run) => run.heapMb)), 1)} |`);
    lines.push('');
  }
  if (results.importInit?.length) {
    const runs = results.importInit;
    lines.push('## import + init() of one lazy service, telemetry off', '', `${runs.length} fresh processes; wall time median [min..max], and CPU time of the same window.`, '', '| import ms | init() ms | total ms | CPU ms |', '|---|---|---|---|');
    lines.push(`| ${[runs.map((run) => run.importMs), runs.map((run) => run.initMs), runs.map((run) => run.ms), runs.map((run) => run.cpuMs)].map((values) => formatSpread(spread(values), 0)).join(' | ')} |`, '');
  }
  if (results.soak) {
    const { soak } = results;
    lines.push(
      '## Soak',
      '',
      `${soak.calls.toLocaleString('en-US')} unary calls at c=64 through \`${soak.variant}\` in ${soak.seconds.toFixed(0)} s (${soak.errors} errors). ` +
        `Heap after GC: ${soak.heapBaselineMb.toFixed(1)} MB after warm-up, ${soak.heapEndMb.toFixed(1)} MB at the end: growth **${soak.heapGrowthMb.toFixed(2)} MB**. ` +
        `Spans received ${soak.rootSpans.toLocaleString('en-US')}/${soak.totalCalls.toLocaleString('en-US')} expected at ratio ${soak.traceRatio} (${soak.spansOk ? 'ok' : '**mismatch**'}).`,
      '',
      `Heap samples (calls done: MB): ${soak.heapSamples.map(([done, mb]) => `${done.toLocaleString('en-US')}: ${mb.toFixed(1)}`).join(' · ')}`,
      '',
    );
  }
  if (results.retry) {
    const { retry } = results;
    lines.push(
      '## Retry amplification against a backend that is down',
      '',
      `Every call answered UNAVAILABLE for ${retry.seconds} s; grpcclient with \`retry.max: 4\` (naive retry: ${retry.naiveAttemptsPerCall} attempts per call) and default throttling. ` +
        `${retry.calls.toLocaleString('en-US')} calls, ${retry.attempts.toLocaleString('en-US')} attempts reached the backend: ${retry.attemptsPerCall.toFixed(2)} per call overall, ` +
        `${retry.steadyAttemptsPerCall.toFixed(2)} after the first 10% of the run; the first call made ${retry.firstCallAttempts}.` +
        (retry.firstCallAttempts > 1 ? '' : ' **Pending: no retry layer acted in this build (the first call made a single attempt).**') +
        (retry.unexpected.length > 0 ? ` Unexpected outcomes: ${retry.unexpected.join('; ')}.` : ''),
      '',
    );
  }
  return lines.join('\n');
}
