// What importing grpcclient loads: the OpenTelemetry SDK only when telemetry is on, of the exporters only
// those the config uses, winston only for a line written, and all of it once. Each case runs in a fresh
// process that records every module it resolves.
import test from 'ava';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deadPort } from './helpers/servers.ts';

const SCRIPT = fileURLToPath(new URL('fixtures/loaded-modules.ts', import.meta.url));

interface Loading {
  /** Every module the import and the first init() resolved, before anything was exported. */
  atInit: string[];
  /** Every module the first init() and shutdown() (and the import before them) resolved. */
  modules: string[];
  /** How many modules a second init() in the same process resolved. */
  resolvedBySecondInit: number;
  /** What the process wrote before its report: the SDK's log lines. */
  output: string;
}

async function loadingWith(telemetry: object, extraEnv: Record<string, string> = {}): Promise<Loading> {
  const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT], { env: { ...process.env, TELEMETRY: JSON.stringify(telemetry), ...extraEnv }, timeout: 60_000 });
  const lines = stdout.split('\n');
  return { ...(JSON.parse(lines.pop()!) as Omit<Loading, 'output'>), output: lines.join('\n') };
}

async function modulesLoadedWith(telemetry: object): Promise<string[]> {
  return (await loadingWith(telemetry)).modules;
}

const WINSTON = /node_modules\/winston\//;

const OTLP_EXPORTER = /exporter-(trace|metrics|logs)-otlp|\/otlp-/;

test('with telemetry off, import and init() load no OpenTelemetry SDK or exporter module', async (t) => {
  const loaded = await modulesLoadedWith({ enabled: false });
  t.true(loaded.some((url) => url.includes('@grpc/grpc-js')), 'the hook records package modules');
  t.deepEqual(loaded.filter((url) => /@opentelemetry\/(sdk-|exporter-|resources|context-async-hooks)/.test(url)), []);
  // No SDK log line without telemetry or an application logger: winston is not needed either.
  t.deepEqual(loaded.filter((url) => WINSTON.test(url)), []);
});

test('with Prometheus metrics and no traces, no OTLP exporter module is loaded', async (t) => {
  const port = await deadPort();
  const loaded = await modulesLoadedWith({ traces: { exporter: 'none' }, metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: port } });
  t.true(loaded.some((url) => url.includes('@opentelemetry/exporter-prometheus')), 'the Prometheus exporter is loaded');
  t.deepEqual(loaded.filter((url) => OTLP_EXPORTER.test(url)), []);
});

test('with OTLP traces, init() loads no OTLP module; the first export loads the trace exporter, and never the metrics one', async (t) => {
  const collector = `http://127.0.0.1:${await deadPort()}`;
  const { atInit, modules } = await loadingWith({ flush_timeout: '200ms', traces: { exporter: 'otlp', endpoint: collector }, metrics: { exporter: 'none' } }, { SPAN: '1' });
  t.true(atInit.some((url) => url.includes('@opentelemetry/sdk-trace')), 'telemetry is on at init()');
  t.deepEqual(atInit.filter((url) => OTLP_EXPORTER.test(url) || url.endsWith('/src/telemetry/otlp-exporters.ts')), []);
  t.true(modules.some((url) => url.endsWith('/src/telemetry/otlp-exporters.ts')));
  t.true(modules.some((url) => url.includes('@opentelemetry/otlp-exporter-base')));
  t.false(modules.some((url) => url.includes('@opentelemetry/exporter-metrics-otlp') || url.includes('@opentelemetry/exporter-prometheus')));
});

test('with telemetry on, a second init() in the process imports nothing again: the telemetry and exporter modules are loaded once', async (t) => {
  const port = await deadPort();
  // A port of its own: on a taken one the SDK would warn, and a warning written in the second round loads winston then.
  const prometheusPort = await deadPort();
  const { modules, resolvedBySecondInit } = await loadingWith({ traces: { exporter: 'otlp', endpoint: `http://127.0.0.1:${port}` }, flush_timeout: '200ms', metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: prometheusPort } });
  t.true(modules.some((url) => url.includes('@opentelemetry/exporter-prometheus')), 'the first init() loaded the SDK and its exporters');
  t.is(resolvedBySecondInit, 0);
});

test("with telemetry on, winston is loaded by the SDK's first log line, not by init()", async (t) => {
  const quiet = await loadingWith({ traces: { exporter: 'none' }, metrics: { exporter: 'none' } });
  t.true(quiet.modules.some((url) => url.includes('@opentelemetry/sdk-trace')), 'telemetry is on');
  t.deepEqual(quiet.modules.filter((url) => WINSTON.test(url)), [], 'nothing was logged, so winston was not needed');

  // A taken Prometheus port is a warning: the SDK's first line, which needs winston.
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const { port } = taken.address() as { port: number };
  const warned = await loadingWith({ traces: { exporter: 'none' }, metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: port } });
  t.true(warned.modules.some((url) => WINSTON.test(url)));
  t.regex(warned.output, new RegExp(`"level":"warn","message":"Prometheus endpoint not started on 127\\.0\\.0\\.1:${port}`));
});
