// The README is a contract: its quick start and config reference must match the code.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configReference } from '../src/config/reference.ts';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const packageJson = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: Record<string, string> };

test('the config reference in the README is the one generated from the schema (run npm run docs:config)', (t) => {
  t.true(readme.includes(configReference()));
});

test('the quick start shows the demo and test commands, and .ci/run calls the same test command', (t) => {
  t.regex(readme, /npm install && npm run demo/);
  t.regex(readme, /^npm test\b/m);
  t.truthy(packageJson.scripts['demo']);
  t.regex(readFileSync(fileURLToPath(new URL('../.ci/run', import.meta.url)), 'utf8'), /^npm test$/m);
});
