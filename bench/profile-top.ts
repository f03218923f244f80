// Prints where a V8 CPU profile (from `npm run bench -- --profile`) spends its time: the functions
// with the most self time, or with --by-file the files on the stack the longest (inclusive).
// node bench/profile-top.ts results/profiles/grpcclient-all-unary-c64-round1.cpuprofile [--by-file] [--top N]
// [--window FROM..TO] (µs on the profile's clock, as bench/init-rounds.ts prints them: only samples inside).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'by-file': { type: 'boolean', default: false }, top: { type: 'string', default: '40' }, window: { type: 'string' } } });
const file = positionals[0];
if (!file) throw new Error('usage: node bench/profile-top.ts <file.cpuprofile> [--by-file] [--top N] [--window FROM..TO]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; startTime: number; timeDeltas: number[] };
const [from = -Infinity, to = Infinity] = values.window?.split('..').map(Number) ?? [];
let sampledAt = profile.startTime;
const samples = profile.samples.filter((_, index) => {
  sampledAt += profile.timeDeltas[index]!;
  return sampledAt >= from && sampledAt <= to;
});

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
const shortUrl = (url: string) => url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|test)\//, '$1/');
const label = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

const totals = new Map<string, number>();
for (const sample of samples) {
  if (!values['by-file']) {
    const key = label(nodes.get(sample)!);
    totals.set(key, (totals.get(key) ?? 0) + 1);
    continue;
  }
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parents.get(id)) {
    const url = shortUrl(nodes.get(id)!.callFrame.url);
    if (url && !seen.has(url)) {
      seen.add(url);
      totals.set(url, (totals.get(url) ?? 0) + 1);
    }
  }
}
const count = samples.length;
console.log(`${count} samples`);
for (const [key, samples] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`${((100 * samples) / count).toFixed(1).padStart(5)}%  ${key}`);
}
