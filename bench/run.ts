// `npm run bench`: starts the bench server and the OTLP sink (each in its own process), runs every
// client variant in a fresh process for each scenario, round after round with the order rotated,
// then the init/soak/retry measurements, and writes results/latest.json and results/latest.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestPki } from '../test/helpers/tls.ts';
import type { ClientReport, ClientSpec } from './client.ts';
import type { ImportInitReport } from './import-init.ts';
import type { InitReport } from './init-lazy.ts';
import { parseOptions } from './options.ts';
import { telemetryConfig } from './variants/grpcclient.ts';
import { run, start, stop } from './processes.ts';
import { renderMarkdown, summarise, type BenchResults, type RunRecord } from './report.ts';
import type { RetryReport } from './retry-amplification.ts';
import type { SoakReport } from './soak.ts';
import { spansMatch } from './stats.ts';
import type { BenchTargets } from './variant.ts';

interface SinkCounts {
  spans: number;
  rootSpans: number;
  badRequests: number;
}

const options = parseOptions(process.argv.slice(2));
const benchStarted = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4)}s] ${line}`);

const pki = makeTestPki();
const server = await start<{ port: number; tlsPort: number }>('server.ts', [pki.caCert, pki.serverCert, pki.serverKey]);
const sink = await start<{ port: number }>('otlp-sink.ts');
const targets: BenchTargets = {
  address: `127.0.0.1:${server.message.port}`,
  tlsAddress: `127.0.0.1:${server.message.tlsPort}`,
  caFile: pki.caCert,
  sinkUrl: `http://127.0.0.1:${sink.message.port}`,
};
const sinkCounts = async (): Promise<SinkCounts> => (await fetch(`${targets.sinkUrl}/counts`)).json() as Promise<SinkCounts>;

/** Runs a child that exports spans and returns its report with the root spans the sink received meanwhile. */
async function withSpanCount<T>(body: () => Promise<T>): Promise<{ report: T; rootSpans: number; badRequests: number }> {
  const before = await sinkCounts();
  const report = await body();
  const after = await sinkCounts();
  return { report, rootSpans: after.rootSpans - before.rootSpans, badRequests: after.badRequests - before.badRequests };
}

/** The commit measured, "+dirty" when src/ or bench/ had uncommitted changes. */
function gitDescribe(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: new URL('..', import.meta.url), encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'bench') ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

const records: RunRecord[] = [];
try {
  if (options.heapProfile) mkdirSync(join(options.outDir, 'profiles'), { recursive: true });
  log(`server ${targets.address} (TLS ${targets.tlsAddress}), sink ${targets.sinkUrl}; ${options.rounds} rounds × ${options.scenarios.length} scenarios × ${options.variants.length} variants`);
  // A discarded run first: the server process's JIT warms up on it, not on whichever variant comes first.
  for (const scenario of options.scenarios) {
    await run<ClientReport>('client.ts', [JSON.stringify({ variant: 'raw-grpc-js', kind: scenario.kind, concurrency: scenario.concurrency, warmupMs: 0, durationMs: options.warmupMs + options.durationMs, targets } satisfies ClientSpec)]);
  }
  for (let round = 0; round < options.rounds; round++) {
    // Rotating the order moves each variant through every position, so no variant always runs first or last.
    const order = options.variants.map((_, index) => options.variants[(index + round) % options.variants.length]!);
    for (const scenario of options.scenarios) {
      for (const variant of order) {
        const name = `${variant}-${scenario.kind}-c${scenario.concurrency}-round${round + 1}`;
        const heapProfile = options.heapProfile ? { heapProfile: join(options.outDir, 'profiles', `${name}.heapprofile`) } : {};
        const spec: ClientSpec = { variant, kind: scenario.kind, concurrency: scenario.concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs, targets, ...heapProfile };
        const profile = options.profile ? ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${join(options.outDir, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
        const { report, rootSpans, badRequests } = await withSpanCount(() => run<ClientReport>('client.ts', [JSON.stringify(spec)], profile));
        const spansOk = badRequests === 0 && spansMatch(rootSpans, report.totalCalls, report.traceRatio);
        records.push({ round, scenario: scenario.name, variant, report, rootSpans, spansOk });
        log(
          `round ${round + 1} ${scenario.name.padEnd(38)} ${variant.padEnd(26)} ${report.callsPerSecond.toFixed(0).padStart(6)} calls/s  p50 ${report.p50Us.toFixed(0).padStart(5)} µs  cpu ${report.cpuUsPerCall.toFixed(0).padStart(4)} µs/call` +
            (report.traceRatio > 0 ? `  spans ${rootSpans}/${report.totalCalls}${spansOk ? '' : ' MISMATCH'}` : '') +
            (report.errors > 0 ? `  ${report.errors} errors: ${report.firstError}` : ''),
        );
      }
    }
  }

  const init: BenchResults['init'] = [];
  const importInit: ImportInitReport[] = [];
  if (!options.skip.has('init')) {
    // The built package is what users import (import-init.ts and init-lazy.ts load it); at least 5 runs, as one fresh process says little.
    execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: new URL('..', import.meta.url) });
    for (let index = 0; index < Math.max(5, options.initRuns); index++) importInit.push(await run<ImportInitReport>('import-init.ts', [JSON.stringify(telemetryConfig('off', targets.sinkUrl))]));
    log(`import + init() of 1 lazy service, telemetry off: ${importInit.map((report) => `${report.ms.toFixed(0)} ms (cpu ${report.cpuMs.toFixed(0)})`).join(', ')}`);
    for (const profile of ['off', 'all'] as const) {
      const runs: InitReport[] = [];
      for (let index = 0; index < options.initRuns; index++) runs.push(await run<InitReport>('init-lazy.ts', [profile, targets.sinkUrl], ['--expose-gc']));
      init.push({ profile, runs });
      log(`init() 200 lazy services, telemetry ${profile}: ${runs.map((report) => `${report.ms.toFixed(1)} ms ${report.heapMb.toFixed(1)} MB`).join(', ')}`);
    }
  }

  let soak: BenchResults['soak'];
  if (!options.skip.has('soak') && options.soakCalls > 0) {
    const { report, rootSpans } = await withSpanCount(() => run<SoakReport>('soak.ts', ['grpcclient-promise-all', String(options.soakCalls), JSON.stringify(targets)], ['--expose-gc']));
    soak = { ...report, rootSpans, spansOk: spansMatch(rootSpans, report.totalCalls, report.traceRatio) };
    log(`soak ${report.calls} calls in ${report.seconds.toFixed(0)} s: heap ${report.heapBaselineMb.toFixed(1)} → ${report.heapEndMb.toFixed(1)} MB (growth ${report.heapGrowthMb.toFixed(2)} MB), spans ${rootSpans}/${report.totalCalls}`);
  }

  let retry: RetryReport | undefined;
  if (!options.skip.has('retry') && options.retrySeconds > 0) {
    retry = await run<RetryReport>('retry-amplification.ts', [String(options.retrySeconds)]);
    log(`retry amplification over ${retry.seconds} s: ${retry.calls} calls, ${retry.attempts} attempts, ${retry.attemptsPerCall.toFixed(2)} per call (steady ${retry.steadyAttemptsPerCall.toFixed(2)}, first call ${retry.firstCallAttempts})`);
  }

  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length, platform: `${process.platform} ${process.arch}` },
    commit: gitDescribe(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    options: { rounds: options.rounds, warmupMs: options.warmupMs, durationMs: options.durationMs, soakCalls: options.soakCalls, retrySeconds: options.retrySeconds },
    wallSeconds: (performance.now() - benchStarted) / 1000,
    summary: summarise(records, options.variants, options.scenarios.map((scenario) => scenario.name)),
    runs: records,
    init,
    importInit,
    ...(soak ? { soak } : {}),
    ...(retry ? { retry } : {}),
  };
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  writeFileSync(join(options.outDir, 'latest.md'), markdown);
  console.log(`\n${markdown}`);
  log(`wrote ${join(options.outDir, 'latest.json')} and latest.md`);
} finally {
  await Promise.all([stop(server.child), stop(sink.child)]);
}
