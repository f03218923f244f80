// init() of 200 lazy services alone, without the rest of the bench: telemetry off and all in rotated rounds,
// each run a fresh process. node bench/init-rounds.ts [--rounds 5] [--profile DIR] (DIR gets one CPU profile per run).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { InitReport } from './init-lazy.ts';
import { run } from './processes.ts';
import { formatSpread, spread } from './stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, profile: { type: 'string' } } });
const rounds = Number(values.rounds);
const profiles = ['off', 'all'] as const;
const runs: Record<(typeof profiles)[number], InitReport[]> = { off: [], all: [] };
// init-lazy.ts measures the built package, as bench/run.ts does.
execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: new URL('..', import.meta.url) });
for (let round = 0; round < rounds; round++) {
  // Rotated, so a burst of load elsewhere on the machine does not land on one profile only.
  for (const profile of round % 2 === 0 ? profiles : [...profiles].reverse()) {
    const cpuProf = values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile, '--cpu-prof-name', `init-${profile}-round${round + 1}.cpuprofile`] : [];
    const report = await run<InitReport>('init-lazy.ts', [profile], ['--expose-gc', ...cpuProf]);
    runs[profile].push(report);
    console.log(`round ${round + 1} telemetry ${profile}: ${report.ms.toFixed(1)} ms (cpu ${report.cpuMs.toFixed(1)} ms), ${report.heapMb.toFixed(1)} MB${report.window ? `, init() window ${report.window.join('..')} µs` : ''}`);
  }
}
for (const profile of profiles) {
  const ms = spread(runs[profile].map((report) => report.ms));
  const cpu = spread(runs[profile].map((report) => report.cpuMs));
  const heap = spread(runs[profile].map((report) => report.heapMb));
  console.log(`init() of 200 lazy services, telemetry ${profile}: ${formatSpread(ms, 1)} ms, cpu ${formatSpread(cpu, 1)} ms, heap kept ${formatSpread(heap, 1)} MB (${rounds} rounds)`);
}
