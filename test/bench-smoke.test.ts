// The benchmark harness, run end to end with tiny counts so it cannot rot: every process starts,
// spans reach the sink and are counted, and both result files are written. Speed is not asserted.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchResults } from '../bench/report.ts';
import { OPENSSL, testNeeding } from './helpers/tools.ts';

const run = promisify(execFile);

// The harness makes its TLS scenario's certificates with openssl at start, whichever scenarios run.
testNeeding([OPENSSL], 'npm run bench with tiny counts measures every chosen variant, counts their spans and writes latest.json and latest.md', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'grpcclient-bench-'));
  const variants = ['raw-grpc-js', 'grpc-js-create-call-metrics', 'grpcclient-all', 'grpcclient-promise-app-otel', 'grpc-js-instrumentation', 'nice-grpc-otel-prom'];
  await run(
    process.execPath,
    ['bench/run.ts', '--rounds', '1', '--warmup', '0.1', '--duration', '0.2', '--scenarios', 'c1', '--variants', variants.join(','), '--soak-calls', '2000', '--retry-seconds', '1', '--init-runs', '1', '--out', out],
    { cwd: new URL('..', import.meta.url).pathname, timeout: 90_000 },
  );
  const results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as BenchResults;

  const [scenario] = results.summary;
  t.is(scenario?.scenario, 'unary c=1');
  t.deepEqual(scenario?.variants.map((entry) => entry.variant), variants);
  for (const entry of scenario!.variants) {
    t.is(entry.errors, 0, `${entry.variant} made failing calls`);
    t.true(entry.callsPerSecond.median > 0, `${entry.variant} made no calls`);
    t.true(entry.allocatedBytesPerCall.median > 0, `${entry.variant}: no allocation measured`);
  }
  // Each traced variant's calls all arrived at the sink as root spans, including instrumentation-grpc's,
  // which only patches grpc-js when registered before it loads.
  for (const variant of ['grpcclient-all', 'grpcclient-promise-app-otel', 'grpc-js-instrumentation', 'nice-grpc-otel-prom']) {
    const spans = scenario!.variants.find((entry) => entry.variant === variant)?.spans;
    t.truthy(spans && spans.calls > 0 && spans.received === spans.calls, `${variant}: ${JSON.stringify(spans)}`);
  }
  t.is(results.init.length, 2);
  t.true(results.soak!.calls === 2000 && results.soak!.spansOk);
  t.true(results.retry!.calls > 0 && results.retry!.unexpected.length === 0);

  const markdown = readFileSync(join(out, 'latest.md'), 'utf8');
  t.regex(markdown, /\| 1\. raw grpc-js, one channel \(floor\) \|/);
  t.regex(markdown, /## Targets/);
});

testNeeding([OPENSSL], 'bench/interleaved.ts alternates raw grpc-js, telemetry off and one profile in one process and prints a row for each', async (t) => {
  const { stdout } = await run(process.execPath, ['bench/interleaved.ts', 'production', 'unary', '--slices', '2', '--slice-ms', '100', '--concurrency', '4'], {
    cwd: new URL('..', import.meta.url).pathname,
    timeout: 60_000,
  });
  const rows = stdout.split('\n').filter((line) => /^(raw|off|production) /.test(line));
  t.deepEqual(rows.map((row) => row.split(/\s+/)[0]), ['raw', 'off', 'production']);
  for (const row of rows) {
    const [cpu, overOff, ratio, bytes] = row.trim().split(/\s+/).slice(1).map(Number);
    t.true(cpu! > 0 && Number.isFinite(overOff) && ratio! > 0 && bytes! > 0, row);
  }
});
