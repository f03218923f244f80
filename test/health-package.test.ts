// The health proto ships with the package: a copy of the built package in a project's node_modules (not a
// symlink to this repository) finds protos/grpc/health/v1/health.proto and health-checks a real server.
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBookServer } from './helpers/servers.ts';
import { TestHealthService } from './helpers/health-service.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A project with grpcclient installed as npm would: package.json, dist/src and protos copied; dependencies linked. */
function installedCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-installed-'));
  const pkg = join(dir, 'node_modules', 'grpcclient');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'dist', 'src'), join(pkg, 'dist', 'src'), { recursive: true });
  cpSync(join(root, 'protos'), join(pkg, 'protos'), { recursive: true });
  for (const dependency of readdirSync(join(root, 'node_modules'))) {
    if (dependency !== '.bin' && dependency !== 'grpcclient') symlinkSync(join(root, 'node_modules', dependency), join(dir, 'node_modules', dependency), 'dir');
  }
  return dir;
}

test('an installed copy of the package health-checks a backend with the health.proto it ships', async (t) => {
  if (!existsSync(join(root, 'dist/src/index.js'))) return t.fail('dist/ is missing: npm test builds it before ava runs (npm run build)');
  const health = new TestHealthService({ '': 'NOT_SERVING' });
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const dir = installedCopy();
  writeFileSync(
    join(dir, 'main.mjs'),
    [
      "import { init } from 'grpcclient';",
      `const services = [{ name: 'book-service', address: '${server.address}', connect: 'eager', health_check: { enabled: true } }];`,
      "try { await init({ config: { grpc_clients: { telemetry: { enabled: false }, services } }, clients: {}, env: {} }); console.log('init succeeded'); }",
      'catch (error) { console.log(error.name, error.failures[0].cause.name, error.failures[0].cause.status); }',
      '',
    ].join('\n'),
  );
  const { stdout } = await promisify(execFile)(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' });
  t.is(stdout.trim(), 'ConnectError HealthCheckError NOT_SERVING');
});
