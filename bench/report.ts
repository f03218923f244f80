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
  /** CPU per call minus raw grpc-js's in the same round. */
  addedCpuUsPerCall: Spread;
  /** raw grpc-js's CPU per call divided by this variant's, same round: the ratio without the other processes' noise. */
  cpuRatioToRaw: Spread;
  /** channel.createCall's CPU per call divided by this variant's, same round (NaN when that variant did not run). */
  cpuRatioToLimit: Spread;
  /** JS heap bytes allocated per call, and time in GC per call. */
  allocatedBytesPerCall: Spread;
  gcUsPerCall: Spread;
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
    const limit = (round: number) => inScenario.find((record) => record.round === round && record.variant === 'grpc-js-create-call')?.report;
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
          addedCpuUsPerCall: spread(runs.map((record) => record.report.cpuUsPerCall - (raw(record.round)?.cpuUsPerCall ?? Number.NaN))),
          cpuRatioToRaw: spread(runs.map((record) => (raw(record.round)?.cpuUsPerCall ?? Number.NaN) / record.report.cpuUsPerCall)),
          cpuRatioToLimit: spread(runs.map((record) => (limit(record.round)?.cpuUsPerCall ?? Number.NaN) / record.report.cpuUsPerCall)),
          // Runs recorded before the bench measured allocation have none: NaN, shown as n/a.
          allocatedBytesPerCall: of((report) => report.allocatedBytesPerCall ?? Number.NaN),
          gcUsPerCall: of((report) => report.gcUsPerCall ?? Number.NaN),
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
  const status = (ok: boolean | undefined): Target['status'] => (ok === undefined ? 'pending' : ok ? 'met' : 'missed');
  const scenarioNames = results.summary.map((entry) => entry.scenario);
  // Judged on the CPU ratio (client CPU per call, which other load disturbs less); calls/s ratio shown beside it.
  const cpu = (entry: VariantSummary | undefined) => (entry ? `${formatSpread(entry.cpuRatioToRaw, 2)}x` : 'n/a');
  const both = (entry: VariantSummary) => `CPU ${cpu(entry)}, calls/s ${formatSpread(entry.ratioToRaw, 2)}x`;
  const ratioTarget = (variant: VariantName, scenario: string, name: string, goal: number, limit = false) => {
    const entry = find(results, scenario, variant);
    if (!entry) return;
    const toLimit = limit && Number.isFinite(entry.cpuRatioToLimit.median) ? `; ${formatSpread(entry.cpuRatioToLimit, 2)}x the createCall limit` : '';
    list.push({ name, goal: `>= ${goal.toFixed(2)}x raw`, measured: both(entry) + toLimit, status: status(entry.cpuRatioToRaw.median >= goal) });
  };
  /** Ahead of both peers (instrumentation-grpc, nice-grpc) on the CPU ratio in every scenario measured. */
  const aheadOfPeers = (variant: VariantName, name: string) => {
    const compared = scenarioNames.map((scenario) => ({ scenario, ours: find(results, scenario, variant), peers: [find(results, scenario, 'grpc-js-instrumentation'), find(results, scenario, 'nice-grpc-otel-prom')] }));
    const measured = compared.filter(({ ours, peers }) => ours && peers.some((peer) => peer !== undefined));
    if (measured.length === 0) return;
    const ahead = measured.every(({ ours, peers }) => peers.every((peer) => !peer || ours!.cpuRatioToRaw.median > peer.cpuRatioToRaw.median));
    const text = measured.map(({ scenario, ours, peers }) => `${scenario}: ${cpu(ours)} vs ${peers.map(cpu).join(' / ')}`).join('; ');
    list.push({ name, goal: 'CPU ratio above instrumentation-grpc / nice-grpc in every scenario', measured: text, status: status(ahead) });
  };
  const [c1, c64, stream] = ['unary c=1', 'unary c=64', 'server-streaming (20 messages) c=16'];
  ratioTarget('grpcclient-promise-off', c64!, 'Promise client, telemetry off, c=64', 1.15, true);
  ratioTarget('grpcclient-promise-production', c64!, 'Promise client, production profile (10% spans), c=64', 0.95);
  ratioTarget('grpcclient-promise-production', stream!, 'Promise client, production profile, server streaming c=16', 0.95);
  ratioTarget('grpcclient-promise-all', c64!, 'Promise client, everything on (100% spans, OTLP), c=64', 0.85);
  ratioTarget('grpcclient-promise-all', stream!, 'Promise client, everything on, server streaming c=16', 0.8);
  aheadOfPeers('grpcclient-promise-all', 'Promise client, everything on, against the peers');
  aheadOfPeers('grpcclient-promise-app-otel', "Promise client on the application's own OpenTelemetry, against the peers");
  const production = find(results, c1!, 'grpcclient-promise-production');
  if (production) {
    list.push({ name: 'Added CPU per call at c=1, production profile', goal: '<= 10 µs over raw', measured: `${formatSpread(production.addedCpuUsPerCall, 1)} µs`, status: status(production.addedCpuUsPerCall.median <= 10) });
  }
  for (const { profile, runs } of results.init) {
    const ms = spread(runs.map((run) => run.ms));
    const heap = spread(runs.map((run) => run.heapMb));
    const goalMs = profile === 'off' ? 100 : 150;
    list.push({ name: `init() with 200 lazy services, telemetry ${profile}`, goal: `<= ${goalMs} ms and <= 20 MB heap`, measured: `${formatSpread(ms, 1)} ms, ${formatSpread(heap, 1)} MB`, status: status(ms.median <= goalMs && heap.median <= 20) });
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
      'At c=64 the machine is CPU-bound, so the ratio there measures client CPU per call. "CPU ratio to limit" compares with calls made directly with `channel.createCall` (0a), the most any client on grpc-js can reach. ' +
      '"alloc B/call" is the JS heap the whole client process allocated per call (from V8\'s GC profiler), the load loop included. Spans: root spans received by the sink / calls traced (warm-up included).',
    '',
  );
  lines.push('## Targets', '', '| target | goal | measured | status |', '|---|---|---|---|');
  for (const target of targets(results)) lines.push(`| ${target.name} | ${target.goal} | ${target.measured} | ${target.status === 'met' ? 'met' : target.status === 'missed' ? '**missed**' : 'pending'} |`);
  lines.push('');
  for (const { scenario, variants } of results.summary) {
    lines.push(
      `## ${scenario}`,
      '',
      '| client | calls/s | ratio to raw | p50 µs | +p50 µs | p99 µs | CPU µs/call | CPU ratio | CPU ratio to limit | alloc B/call | GC µs/call | peak RSS MB | spans |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const entry of variants) {
      const spans = entry.spans ? `${entry.spans.received.toLocaleString('en-US')}/${entry.spans.calls.toLocaleString('en-US')} ${entry.spans.ok ? 'ok' : '**mismatch**'}` : '-';
      const errors = entry.errors > 0 ? ` (**${entry.errors} errors**)` : '';
      lines.push(
        `| ${VARIANT_LABELS[entry.variant]}${errors} | ${formatSpread(entry.callsPerSecond)} | ${formatSpread(entry.ratioToRaw, 2)} | ${formatSpread(entry.p50Us)} | ${formatSpread(entry.addedP50Us)} | ${formatSpread(entry.p99Us)} | ${formatSpread(entry.cpuUsPerCall)} | ${formatSpread(entry.cpuRatioToRaw, 2)} | ${formatSpread(entry.cpuRatioToLimit, 2)} | ${formatSpread(entry.allocatedBytesPerCall)} | ${formatSpread(entry.gcUsPerCall, 1)} | ${formatSpread(entry.peakRssMb)} | ${spans} |`,
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
