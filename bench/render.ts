// Re-renders results/latest.md from results/latest.json (after a change to the report's layout),
// re-deriving the summary from the per-run records: node bench/render.ts [DIR]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown, summarise, type BenchResults } from './report.ts';
import { VARIANTS } from './variant.ts';

const dir = process.argv[2] ?? new URL('./results/', import.meta.url).pathname;
const results = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as BenchResults;
const variants = VARIANTS.filter((variant) => results.runs.some((record) => record.variant === variant));
const scenarios = [...new Set(results.runs.map((record) => record.scenario))];
results.summary = summarise(results.runs, variants, scenarios);
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, 'latest.md'), renderMarkdown(results));
console.log(`rendered ${join(dir, 'latest.md')}`);
