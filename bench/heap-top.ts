// Prints where an allocation profile (from `npm run bench -- --heap-profile`) says the bytes were
// allocated: the functions that allocated the most themselves, or with --by-file the files on the stack
// of each allocation (inclusive), so "what does telemetry allocate per call" reads as one line.
// node bench/heap-top.ts results/profiles/grpcclient-promise-production-unary-c64-round1.heapprofile [--by-file] [--top N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'by-file': { type: 'boolean', default: false }, top: { type: 'string', default: '30' } } });
const file = positionals[0];
if (!file) throw new Error('usage: node bench/heap-top.ts <file.heapprofile> [--by-file] [--top N]');
const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };

const shortUrl = (url: string) => url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|test)\//, '$1/');
const totals = new Map<string, number>();
let all = 0;
function walk(node: HeapNode, files: readonly string[]): void {
  const url = shortUrl(node.callFrame.url);
  const onStack = url && !files.includes(url) ? [...files, url] : files;
  if (node.selfSize > 0) {
    all += node.selfSize;
    const keys = values['by-file'] ? onStack : [`${node.callFrame.functionName || '(anonymous)'} ${url}:${node.callFrame.lineNumber + 1}`];
    for (const key of keys) totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, onStack);
}
walk(head, []);
for (const [key, bytes] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`${((100 * bytes) / all).toFixed(1).padStart(5)}%  ${key}`);
}
