// What importing grpcclient loads: the OpenTelemetry SDK only when telemetry is on, and of the exporters
// only those the config uses. Each case runs in a fresh process that records every module it resolves.
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deadPort } from './helpers/servers.ts';

const SCRIPT = fileURLToPath(new URL('fixtures/loaded-modules.ts', import.meta.url));

async function modulesLoadedWith(telemetry: object): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT], { env: { ...process.env, TELEMETRY: JSON.stringify(telemetry) }, timeout: 60_000 });
  return JSON.parse(stdout) as string[];
}

const OTLP_EXPORTER = /exporter-(trace|metrics|logs)-otlp|\/otlp-/;

test('with telemetry off, import and init() load no OpenTelemetry SDK or exporter module', async (t) => {
  const loaded = await modulesLoadedWith({ enabled: false });
  t.true(loaded.some((url) => url.includes('@grpc/grpc-js')), 'the hook records package modules');
  t.deepEqual(loaded.filter((url) => /@opentelemetry\/(sdk-|exporter-|resources|context-async-hooks)/.test(url)), []);
  // No SDK log line without telemetry or an application logger: winston is not needed either.
  t.deepEqual(loaded.filter((url) => /node_modules\/winston\//.test(url)), []);
});

test('with Prometheus metrics and no traces, no OTLP exporter module is loaded', async (t) => {
  const port = await deadPort();
  const loaded = await modulesLoadedWith({ traces: { exporter: 'none' }, metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: port } });
  t.true(loaded.some((url) => url.includes('@opentelemetry/exporter-prometheus')), 'the Prometheus exporter is loaded');
  t.deepEqual(loaded.filter((url) => OTLP_EXPORTER.test(url)), []);
});

test('with OTLP traces, the OTLP trace exporter is loaded and the metrics one is not', async (t) => {
  const collector = `http://127.0.0.1:${await deadPort()}`;
  const loaded = await modulesLoadedWith({ flush_timeout: '200ms', traces: { exporter: 'otlp', endpoint: collector }, metrics: { exporter: 'none' } });
  t.true(loaded.some((url) => url.endsWith('/src/telemetry/otlp-exporters.ts')));
  t.true(loaded.some((url) => url.includes('@opentelemetry/otlp-exporter-base')));
  t.false(loaded.some((url) => url.includes('@opentelemetry/exporter-metrics-otlp') || url.includes('@opentelemetry/exporter-prometheus')));
});
