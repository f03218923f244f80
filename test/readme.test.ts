// The README and the config reference are a contract: the quick start, the usage example and
// docs/config.md must match the code, and the README stays a landing page.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configReference } from '../src/config/reference.ts';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const configDoc = readFileSync(fileURLToPath(new URL('../docs/config.md', import.meta.url)), 'utf8');
const packageJson = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: Record<string, string> };

test('the config reference in docs/config.md is the one generated from the schema (run npm run docs:config)', (t) => {
  t.true(configDoc.includes(configReference()));
});

test('the README is a landing page of under 300 lines; the reference lives in docs/', (t) => {
  t.true(readme.split('\n').length < 300, `README.md has ${readme.split('\n').length} lines`);
});

test('the quick start shows the demo and test commands, and .ci/run calls the same test command', (t) => {
  t.regex(readme, /npm install && npm run demo/);
  t.regex(readme, /^npm test\b/m);
  t.truthy(packageJson.scripts['demo']);
  t.regex(readFileSync(fileURLToPath(new URL('../.ci/run', import.meta.url)), 'utf8'), /^npm test$/m);
});

test("the README's usage example type-checks against the package's declarations, with no casts", async (t) => {
  const { mkdirSync, mkdtempSync, writeFileSync, symlinkSync, rmSync } = await import('node:fs');
  const { execFile } = await import('node:child_process');
  const { join } = await import('node:path');
  const section = readme.slice(readme.indexOf('**4. Call.**'));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  t.truthy(example, 'the example is in the README');
  const root = fileURLToPath(new URL('..', import.meta.url));
  // Inside the package folder, so `import 'grpcclient'` resolves to the built package by self-reference.
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(root, '.tmp', 'readme-example-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(root, 'protos'), join(dir, 'protos'));
  writeFileSync(join(dir, 'example.ts'), `${example}\nexport {};\n`);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2023', noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['example.ts'] }),
  );
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const output = await new Promise<string>((resolve) => execFile(process.execPath, [tsc, '-p', dir], (_error, stdout) => resolve(stdout)));
  t.is(output, '');
});
