// The package as users get it: `npm pack` of a clean checkout (no dist/) builds it; the tarball holds
// what a user needs and nothing else; a project that installs it from the tarball (production
// dependencies from the registry, nothing linked to this repository) runs an ES module app, a CommonJS
// app and a strict TypeScript app (test/fixtures/consumer/) against a real grpc-js server.
// CI runs this file on Node 22 and 26 as well as 24 (.ci/run).
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBookServer, type RunningServer } from './helpers/servers.ts';
import { TestHealthService } from './helpers/health-service.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test/fixtures/consumer');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; devDependencies: Record<string, string> };

/** npm as a user runs it: without the npm_* variables of an enclosing `npm test`. */
function npm(args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  return run('npm', [...args, '--no-audit', '--no-fund'], { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
}

let work: string;
let tarballFiles: string[];
let project: string;
let server: RunningServer;

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'grpcclient-package-'));
  // A clean checkout: the files git tracks or would track (so no dist/), with the build tools linked in.
  const checkout = join(work, 'checkout');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter((name) => name && existsSync(join(root, name)))) {
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    cpSync(join(root, file), join(checkout, file));
  }
  symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  await npm(['pack', '--pack-destination', work], checkout);
  const tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!);
  tarballFiles = (await run('tar', ['-tzf', tarball], { encoding: 'utf8' })).stdout.split('\n').filter((line) => line && !line.endsWith('/')).map((line) => line.replace(/^package\//, ''));

  // The user's project: their protos and generated types (here the repo's book.proto), their apps.
  project = join(work, 'project');
  mkdirSync(join(project, 'protos/gen'), { recursive: true });
  cpSync(join(root, 'protos/book.proto'), join(project, 'protos/book.proto'));
  cpSync(join(root, 'protos/gen/book.ts'), join(project, 'protos/gen/book.ts'));
  cpSync(join(root, 'protos/gen/book'), join(project, 'protos/gen/book'), { recursive: true });
  cpSync(fixtures, project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2023', noEmit: true, allowImportingTsExtensions: true, types: ['node'] }, files: ['app.ts'] }),
  );
  // A TypeScript user has @types/node of their own; everything else comes with the package.
  await npm(['install', '--omit=dev', tarball, `@types/node@${pkg.devDependencies['@types/node']}`], project);

  server = await startBookServer({ extraServices: [new TestHealthService({ '': 'NOT_SERVING' }).entry] });
});

test.after.always(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs a consumer app with the installed package, its book-service pointed at the test's server. */
async function runApp(file: string): Promise<string> {
  const env = { ...process.env, GRPC_CLIENTS_BOOK_SERVICE_ADDRESS: server.address, BOOK_SERVER_ADDRESS: server.address };
  const { stdout } = await run(process.execPath, [file], { cwd: project, env, encoding: 'utf8' });
  return stdout.trim();
}

test('npm pack of a clean checkout ships the built JavaScript and declarations of every src file, the health proto, README, the docs/ pages it links and package.json, and nothing else', (t) => {
  const sources = (readdirSync(join(root, 'src'), { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => `dist/src/${file.replace(/\.ts$/, '')}`);
  const docs = readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`);
  const expected = [...sources.flatMap((base) => [`${base}.js`, `${base}.d.ts`]), 'protos/grpc/health/v1/health.proto', 'README.md', ...docs, 'package.json'];
  t.deepEqual([...tarballFiles].sort(), expected.sort());
});

test('no shipped file points at a source map or a source the package does not ship', (t) => {
  const installed = join(project, 'node_modules', pkg.name);
  const shipped = new Set(tarballFiles);
  const dangling: string[] = [];
  for (const file of tarballFiles) {
    const text = readFileSync(join(installed, file), 'utf8');
    for (const [, url] of text.matchAll(/[#@] sourceMappingURL=(\S+)/g)) {
      if (!url!.startsWith('data:') && !shipped.has(join(dirname(file), url!))) dangling.push(`${file} → ${url}`);
    }
    if (file.endsWith('.map')) {
      const map = JSON.parse(text) as { sources: string[]; sourcesContent?: unknown[] };
      for (const [index, source] of map.sources.entries()) {
        if (!map.sourcesContent?.[index] && !shipped.has(join(dirname(file), source))) dangling.push(`${file} → ${source}`);
      }
    }
  }
  t.deepEqual(dangling, []);
});

test('the installed package and its dependencies are copies in the project, not links into this repository', (t) => {
  const modules = join(project, 'node_modules');
  const entries = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => join(name, inner)) : [name]));
  t.true(entries.includes(pkg.name));
  const intoRepo = entries.filter((name) => realpathSync(join(modules, name)).startsWith(root));
  t.deepEqual(intoRepo, []);
  t.false(lstatSync(join(modules, pkg.name)).isSymbolicLink());
  t.false(existsSync(join(modules, 'ava')), 'dev dependencies are not installed');
});

test('an ES module app imports the installed package and calls a real server', async (t) => {
  t.is(await runApp('app.mjs'), 'esm: Book 1');
});

test('a CommonJS app requires the installed package (require of an ES module) and calls a real server', async (t) => {
  t.is(await runApp('app.cjs'), 'cjs: Book 1');
});

test('a strict TypeScript app type-checks against the installed declarations with typed clients and no casts', async (t) => {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await t.notThrowsAsync(run(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' }).catch((error: { stdout: string }) => Promise.reject(new Error(error.stdout))));
  // Node strips the types (22.18+ by default) and runs it like the other apps.
  if (process.features.typescript) t.is(await runApp('app.ts'), 'ts: BOOK 1\nts: 2 streamed, then book.v1.BookService/GetBook failed with code 5');
});

test('the installed package health-checks a backend with the health.proto it ships', async (t) => {
  t.is(await runApp('health.mjs'), 'HealthCheckError NOT_SERVING');
});
