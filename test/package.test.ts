// The package as users get it: `npm pack` of a clean checkout (no dist/) builds it; the tarball holds
// what a user needs and nothing else. Projects install it from the tarball with the registry's
// packages at both ends of the supported ranges (package.json peerDependencies): the newest releases
// npm picks today, and the lowest versions the ranges allow (OpenTelemetry API 1.9 with the 2.x SDK
// line, sdk-node 0.57, grpc-js 1.14.0). Their apps (test/fixtures/consumer*/) run against real servers:
// ES module, CommonJS, strict TypeScript with proto-loader-gen-types and ts-proto clients, an app that
// runs the OpenTelemetry Node SDK itself (with and without instrumentation-grpc), and one that leaves
// OpenTelemetry to grpcclient. CI runs this file on Node 22 and 26 as well as 24 (.ci/run).
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deadPort, startBookServer, type RunningServer } from './helpers/servers.ts';
import { startEchoServer, type EchoServer } from './helpers/echo.ts';
import { TestHealthService } from './helpers/health-service.ts';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tools = join(root, 'node_modules/.bin');
type Manifest = { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; peerDependencies: Record<string, string> };
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

/** The lowest version a range allows: its first version (`^2.9.0 || ^3.0.0` → 2.9.0, `>=1.9.0 <1.11.0` → 1.9.0). */
const lowest = (name: string) => (pkg.peerDependencies[name] ?? pkg.dependencies[name])!.match(/\d+\.\d+\.\d+/)![0];

/** One project per end of the ranges; what each installs besides the tarball and @types/node. */
const ENDS = {
  // npm picks the newest releases in grpcclient's ranges for its peers; the app's own choices are pinned.
  latest: ['@opentelemetry/sdk-node@0.301.2', '@opentelemetry/instrumentation-grpc@0.300.0', '@grpc/proto-loader@0.8.1', 'grpc-js-other@npm:@grpc/grpc-js@1.14.6'],
  // An app still on the API 1.9 line names that line's SDK packages (else npm picks 3.x for the peers: ERESOLVE).
  lowest: [
    ...['@opentelemetry/api', '@grpc/grpc-js', '@grpc/proto-loader'].map((name) => `${name}@${lowest(name)}`),
    ...['core', 'resources', 'sdk-metrics', 'sdk-trace', 'exporter-metrics-otlp-http', 'exporter-prometheus', 'otlp-exporter-base', 'otlp-transformer'].map((name) => `@opentelemetry/${name}@${lowest(`@opentelemetry/${name}`)}`),
    '@opentelemetry/sdk-node@0.57.2',
    '@opentelemetry/instrumentation-grpc@0.57.2',
  ],
} as const;
type End = keyof typeof ENDS;
const END_NAMES = Object.keys(ENDS) as End[];

/** The documented proto-loader-gen-types command (docs: codegen), the same for ES module and CommonJS projects. */
const GEN_TYPES = ['proto-loader-gen-types', '--longs=String', '--enums=String', '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js', '--importFileExtension=.js', '-I', 'protos', '--outDir=protos/gen', 'book.proto'];
/** The documented ts-proto command; protoc and ts-proto are this repository's devDependencies. */
const TS_PROTO = ['--plugin=protoc-gen-ts_proto=' + join(tools, 'protoc-gen-ts_proto'), '--ts_proto_out=tsproto', '--ts_proto_opt=outputServices=grpc-js,importSuffix=.js', '-I', 'protos', 'book.proto', 'echo.proto'];

/**
 * A command as a user runs it: on the Node that runs this test (the machine's default Node may be
 * another one, and npm picks versions by the Node it runs on), without the npm_* variables of an
 * enclosing `npm test`.
 */
function shell(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  env['PATH'] = `${dirname(process.execPath)}${delimiter}${env['PATH'] ?? ''}`;
  return run(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
}
const npm = (args: string[], cwd: string) => shell('npm', [...args, '--no-audit', '--no-fund'], cwd);

let work: string;
let tarballFiles: string[];
const projects = {} as Record<End | 'commonjs', string>;
let server: RunningServer;
let echo: EchoServer;
let otlp: OtlpReceiver;

/** A fresh project: the user's protos and apps, then one `npm install` of the tarball and the given packages. */
async function makeProject(name: string, fixtures: string, manifest: object, tarball: string, packages: readonly string[]): Promise<string> {
  const project = join(work, name);
  mkdirSync(join(project, 'protos'), { recursive: true });
  cpSync(join(root, 'protos/book.proto'), join(project, 'protos/book.proto'));
  cpSync(join(root, 'test/fixtures/protos/echo.proto'), join(project, 'protos/echo.proto'));
  cpSync(join(root, 'test/fixtures', fixtures), project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, ...manifest }));
  // Production dependencies only (grpcclient's own dev tools never reach a user); a TypeScript user has
  // @types/node of their own; everything else comes with the package and its peers.
  await npm(['install', '--omit=dev', tarball, `@types/node@${pkg.devDependencies['@types/node']}`, ...packages], project);
  await npm(['exec', '--', ...GEN_TYPES], project);
  return project;
}

test.before(async (t) => {
  // Installs from a cold npm cache (CI) take longer than the suite's timeout for one test.
  t.timeout(600_000);
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

  // ts-proto's generated code imports @bufbuild/protobuf, so its users depend on it.
  const protobuf = `@bufbuild/protobuf@${JSON.parse(readFileSync(join(root, 'node_modules/@bufbuild/protobuf/package.json'), 'utf8')).version}`;
  const esm = { type: 'module' };
  const [latest, lowestEnd, commonjs] = await Promise.all([
    makeProject('latest', 'consumer', esm, tarball, [...ENDS.latest, protobuf]),
    makeProject('lowest', 'consumer', esm, tarball, [...ENDS.lowest, protobuf]),
    makeProject('commonjs', 'consumer-commonjs', {}, tarball, ['@grpc/proto-loader@0.8.1']),
  ]);
  Object.assign(projects, { latest, lowest: lowestEnd, commonjs });
  for (const end of END_NAMES) {
    mkdirSync(join(projects[end], 'tsproto'));
    await shell(join(tools, 'protoc'), TS_PROTO, projects[end]);
  }

  [server, echo, otlp] = await Promise.all([startBookServer({ extraServices: [new TestHealthService({ '': 'NOT_SERVING' }).entry] }), startEchoServer(), startOtlpReceiver()]);
});

test.after.always(async () => {
  await server?.stop();
  echo?.stop();
  await otlp?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

let tags = 0;
/**
 * Runs a consumer app with the test's servers in its environment; its calls carry the metadata
 * `x-app: <tag>`, so a test finds them among everything the shared server received.
 */
async function runApp(project: string, file: string, env: Record<string, string> = {}): Promise<{ stdout: string; tag: string }> {
  const tag = `app-${++tags}`;
  const servers = { GRPC_CLIENTS_BOOK_SERVICE_ADDRESS: server.address, BOOK_SERVER_ADDRESS: server.address, ECHO_SERVER_ADDRESS: echo.address, OTLP_ENDPOINT: otlp.url, APP_TAG: tag };
  const { stdout } = await shell(process.execPath, [file], project, { ...servers, ...env }).catch((error: { stdout: string; stderr: string }) => Promise.reject(new Error(`${file}: ${error.stderr || error.stdout}`)));
  return { stdout: stdout.trim(), tag };
}

/** Compiles a project with one of its tsconfig files (strict), failing with tsc's report. */
async function compile(project: string, tsconfig = 'tsconfig.json'): Promise<void> {
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(project, tsconfig)], { cwd: project, encoding: 'utf8' }).catch((error: { stdout: string }) => Promise.reject(new Error(error.stdout)));
}

function receivedBy(tag: string) {
  return server.received.filter((metadata) => metadata.get('x-app')[0] === tag);
}

async function installed(project: string, name: string): Promise<string[]> {
  const { stdout } = await npm(['ls', name, '--all', '--parseable'], project).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return stdout.split('\n').filter((line) => line.endsWith(join('node_modules', name)));
}

const versionOf = (project: string, name: string) => (JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

test('npm pack of a clean checkout ships the built JavaScript and declarations of every src file, the health proto, README, the docs/ pages it links and package.json, and nothing else', (t) => {
  const sources = (readdirSync(join(root, 'src'), { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => `dist/src/${file.replace(/\.ts$/, '')}`);
  const docs = readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`);
  const expected = [...sources.flatMap((base) => [`${base}.js`, `${base}.d.ts`]), 'protos/grpc/health/v1/health.proto', 'README.md', ...docs, 'package.json'];
  t.deepEqual([...tarballFiles].sort(), expected.sort());
});

test('no shipped file points at a source map or a source the package does not ship', (t) => {
  const installedPackage = join(projects.latest, 'node_modules', pkg.name);
  const shipped = new Set(tarballFiles);
  const dangling: string[] = [];
  for (const file of tarballFiles) {
    const text = readFileSync(join(installedPackage, file), 'utf8');
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
  const modules = join(projects.latest, 'node_modules');
  const entries = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => join(name, inner)) : [name]));
  t.true(entries.includes(pkg.name));
  const intoRepo = entries.filter((name) => realpathSync(join(modules, name)).startsWith(root));
  t.deepEqual(intoRepo, []);
  t.false(lstatSync(join(modules, pkg.name)).isSymbolicLink());
  t.false(existsSync(join(modules, 'ava')), 'dev dependencies are not installed');
});

/** The versions each end must have ended up with: the newest lines, and exactly the lowest of each range. */
const CHECKED = ['@opentelemetry/api', '@grpc/grpc-js', '@opentelemetry/sdk-trace', '@opentelemetry/sdk-metrics', '@opentelemetry/otlp-exporter-base'];
const EXPECTED_VERSIONS: Record<End, Record<string, RegExp>> = {
  latest: { '@opentelemetry/api': /^1\.10\./, '@grpc/grpc-js': /^1\.14\./, '@opentelemetry/sdk-trace': /^3\./, '@opentelemetry/sdk-metrics': /^3\./, '@opentelemetry/otlp-exporter-base': /^0\.3/ },
  lowest: Object.fromEntries(CHECKED.map((name) => [name, new RegExp(`^${lowest(name).replaceAll('.', '\\.')}$`)])),
};

for (const end of END_NAMES) {
  test(`${end}: npm resolves a valid tree (npm ls) with one @opentelemetry/api and one @grpc/grpc-js, at that end's versions`, async (t) => {
    const project = projects[end];
    await t.notThrowsAsync(npm(['ls', '--all'], project), 'npm ls reports no invalid or missing peer');
    t.deepEqual(await installed(project, '@opentelemetry/api'), [join(project, 'node_modules/@opentelemetry/api')]);
    t.deepEqual(await installed(project, '@grpc/grpc-js'), [join(project, 'node_modules/@grpc/grpc-js')]);
    const versions = Object.fromEntries([...CHECKED, '@opentelemetry/sdk-node'].map((name) => [name, versionOf(project, name)]));
    t.log(`${end} (Node ${process.version}):`, Object.entries(versions).map(([name, version]) => `${name}@${version}`).join(' '));
    for (const [name, expected] of Object.entries(EXPECTED_VERSIONS[end])) t.regex(versions[name]!, expected, name);
  });

  test(`${end}: an ES module app imports the installed package and calls a real server`, async (t) => {
    t.is((await runApp(projects[end], 'app.mjs')).stdout, 'esm: Book 1');
  });

  test(`${end}: a CommonJS app requires the installed package (require of an ES module) and calls a real server`, async (t) => {
    t.is((await runApp(projects[end], 'app.cjs')).stdout, 'cjs: Book 1');
  });

  test(`${end}: the installed package health-checks a backend with the health.proto it ships`, async (t) => {
    t.is((await runApp(projects[end], 'health.mjs')).stdout, 'HealthCheckError NOT_SERVING');
  });
}

const A66_METRICS = ['grpc.client.attempt.started', 'grpc.client.attempt.duration', 'grpc.client.attempt.sent_total_compressed_message_size', 'grpc.client.attempt.rcvd_total_compressed_message_size', 'grpc.client.call.duration'];

interface OtelAppReport {
  app: { traceId: string; spanId: string };
  clientSpans: { name: string; traceId: string; spanId: string; parentSpanId: string; scope: string }[];
  metricNames: string[];
}

for (const end of END_NAMES) {
  test(`${end}: a strict TypeScript app type-checks with the types of the documented proto-loader-gen-types command, with typed clients and no casts, and runs`, async (t) => {
    await compile(projects[end]);
    t.is((await runApp(projects[end], 'build/app.js')).stdout, 'ts: BOOK 1\nts: 2 streamed, then book.v1.BookService/GetBook failed with code 5');
  });

  test(`${end}: ts-proto's grpc-js clients (outputServices=grpc-js) give typed promise clients of every method kind, with no casts`, async (t) => {
    await compile(projects[end], 'tsconfig.ts-proto.json');
    t.is((await runApp(projects[end], 'build/app-ts-proto.js')).stdout, 'ts-proto: BOOK 1 | one | 1,2 | a b | X,Y');
  });

  for (const instrumented of [false, true]) {
    test(`${end}: an app running @opentelemetry/sdk-node ${instrumented ? 'with' : 'without'} instrumentation-grpc gets one client span per call under its active span, A66 metrics in its reader, and its propagator's headers at the server`, async (t) => {
      const { stdout, tag } = await runApp(projects[end], 'otel-app.mjs', { WITH_GRPC_INSTRUMENTATION: instrumented ? '1' : '0' });
      const report = JSON.parse(stdout) as OtelAppReport;
      // A promise unary call, a promise server stream, and the grpc-js client of manager.getClient().
      t.deepEqual(report.clientSpans.map((span) => span.name), ['book.v1.BookService/GetBook', 'book.v1.BookService/StreamBooks', 'book.v1.BookService/GetBook']);
      for (const span of report.clientSpans) t.like(span, { traceId: report.app.traceId, parentSpanId: report.app.spanId });
      // instrumentation-grpc patches grpc-js's Client, so the getClient() call's span is its own, adopted (not a second one).
      t.is(report.clientSpans[2]!.scope, instrumented ? '@opentelemetry/instrumentation-grpc' : 'grpcclient');
      for (const name of A66_METRICS) t.true(report.metricNames.includes(name), name);
      const received = receivedBy(tag);
      t.deepEqual(
        received.map((metadata) => metadata.get('traceparent')[0]),
        report.clientSpans.map((span) => `00-${span.traceId}-${span.spanId}-01`),
      );
      t.deepEqual(received.map((metadata) => metadata.get('x-app-propagator')[0]), ['consumer', 'consumer', 'consumer']);
    });
  }

  test(`${end}: an app with no OpenTelemetry SDK of its own: grpcclient starts one from the installed SDK line, exports the call's span and A66 metrics over OTLP and serves them to a Prometheus scrape`, async (t) => {
    const { stdout, tag } = await runApp(projects[end], 'otel-own.mjs', { PROMETHEUS_PORT: String(await deadPort()) });
    t.is(stdout, 'own sdk: Book 1, scraped grpc_client_call_duration');
    // shutdown() flushed before the app exited: what was exported has arrived.
    const traceId = receivedBy(tag)[0]!.get('traceparent')[0]!.toString().split('-')[1]!;
    const posted = (path: string) => (otlp.received.get(path) ?? []).map((body) => JSON.stringify(body)).filter((body) => body.includes(`consumer-${tag}`));
    t.true(posted('/v1/traces').some((body) => body.includes(traceId) && body.includes('book.v1.BookService/GetBook')));
    for (const name of A66_METRICS) t.true(posted('/v1/metrics').some((body) => body.includes(`"${name}"`)), name);
  });
}

test('latest: a Metadata made by another copy of @grpc/grpc-js than grpcclient\'s is sent as it is', async (t) => {
  const { stdout, tag } = await runApp(projects.latest, 'other-metadata.mjs');
  t.is(stdout, 'other copy: Book 1');
  t.is(receivedBy(tag).length, 1);
});

test('a CommonJS TypeScript project compiles with the documented tsconfig and proto-loader-gen-types command, and its require() output runs', async (t) => {
  await compile(projects.commonjs);
  t.regex(readFileSync(join(projects.commonjs, 'build/app.js'), 'utf8'), /require\("grpcclient"\)/);
  t.is((await runApp(projects.commonjs, 'build/app.js')).stdout, 'cts: BOOK 1');
});
