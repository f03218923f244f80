// `npm run demo [-- --chaos]`: starts the demo system on this machine, sends traffic through the
// gateway, prints one request's trace waterfall and the per-service/method table, then keeps the
// services and their Prometheus endpoints up (with light traffic) until Ctrl-C.
//
// Ports: DEMO_<PROCESS>_PORT (DEMO_BOOK_SERVICE_1_PORT and _2_ for book-service's replicas) and
// DEMO_<SERVICE>_METRICS_PORT (e.g. DEMO_API_GATEWAY_PORT=0 for any free port), DEMO_OTLP_PORT for the
// local span receiver; DEMO_CHAOS_PHASE_MS sets the chaos pace.
// Each run logs into a new folder under the system temp directory, printed first.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { metricsPortEnv, OTLP_PORT_ENV, portEnv, PROCESSES, SERVICES, type DemoProcess, type DemoService } from './ports.ts';
import { chaosPhases } from './orchestrator/chaos.ts';
import { HOST, newLogDir, startDemo, type Demo } from './orchestrator/demo.ts';
import { PortInUseError } from './orchestrator/port-check.ts';
import { SPAN_KIND } from './orchestrator/otlp-receiver.ts';
import { renderTable, scrape, since } from './orchestrator/metrics-table.ts';
import { servedBy, servedSince } from './orchestrator/replica-lines.ts';
import { send, sendRounds, SHOWCASE, steadyTraffic } from './orchestrator/traffic.ts';
import { renderWaterfall } from './orchestrator/waterfall.ts';

const { values: args } = parseArgs({ options: { chaos: { type: 'boolean', default: false } } });
const env = process.env;
const envPort = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : Number(env[name]));
const pick = <Name extends string>(names: readonly Name[], envName: (name: Name) => string) =>
  Object.fromEntries(names.flatMap((name) => {
    const port = envPort(envName(name));
    return port === undefined ? [] : [[name, port]];
  })) as Partial<Record<Name, number>>;

// Behind a pipe (`npm run demo | tee log`) Ctrl-C ends the reader as well, and the next line written
// fails with EPIPE. That must not end the orchestrator before it has stopped every service: a stream
// that broke is just not written to any more.
const writable = new Set<NodeJS.WriteStream>([process.stdout, process.stderr]);
for (const stream of writable) stream.on('error', () => writable.delete(stream));
const say = (text = '') => {
  if (writable.has(process.stdout)) process.stdout.write(`${text}\n`);
};

const logDir = newLogDir();
say(`Logs of this run: ${logDir}`);
say('Starting book-service (two replicas), order-service, user-service and api-gateway ...');
const otlpPort = envPort(OTLP_PORT_ENV);
const demo: Demo = await startDemo({ ports: pick<DemoProcess>(PROCESSES, portEnv), metricsPorts: pick<DemoService>(SERVICES, metricsPortEnv), logDir, ...(otlpPort === undefined ? {} : { otlpPort }) }).catch((error: unknown) => {
  if (!(error instanceof PortInUseError)) throw error;
  // Nothing started and nothing was logged: one line that says what to change, no stack trace.
  rmSync(logDir, { recursive: true, force: true });
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
let stopping = false;
let background: ReturnType<typeof steadyTraffic> | undefined;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  say(`\n${signal}: stopping the demo ...`);
  await background?.stop();
  await demo.stop();
  say('stopped.');
  process.exit(0);
};
// Ctrl-C signals the whole foreground process group, so the services are stopping already; the
// orchestrator exits only once each one has (a closed terminal sends SIGHUP instead).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));

for (const name of PROCESSES) say(`  ${name.padEnd(14)} port ${demo.processes[name].port}`);

say('\nSending traffic through the gateway ...');
const warmup = await sendRounds(demo.gatewayUrl, 5);
say(`  ${warmup.length} requests: ${summary(warmup.map((result) => result.status))}`);

// The showcase request goes last, on warm channels, so its waterfall shows calls, not connection set-up.
const showcase = await send(demo.gatewayUrl, SHOWCASE);
say(`\nTrace of ${SHOWCASE.method} ${SHOWCASE.path} (HTTP ${showcase.status}):`);
if (showcase.traceId) {
  const traceId = showcase.traceId;
  // Complete once user-service's server span and the backends' server spans under it have arrived.
  const complete = () => {
    const spans = demo.otlp.trace(traceId);
    const servers = new Set(spans.filter((span) => span.kind === SPAN_KIND.SERVER).map((span) => span.service));
    return ['api-gateway', 'user-service', 'book-service', 'order-service'].every((service) => servers.has(service));
  };
  await demo.otlp.waitFor(complete, 15_000).catch((error: Error) => say(`  (incomplete: ${error.message})`));
  await new Promise((resolve) => setTimeout(resolve, 600)); // one more export round for late client spans
  say(renderWaterfall(demo.otlp.trace(traceId)));
} else {
  say('  (no trace id: is telemetry disabled?)');
}

const books = demo.replicas('book-service');
let served = await servedBy(books, HOST);
let snapshot = await scrape(metricsUrls(demo));
say('\nCalls per service and method since the start, from the Prometheus endpoints:');
say(renderTable(snapshot, served));

say('\nPrometheus endpoints (scrape them, or point otel/prometheus.yml at them):');
for (const [service, url] of Object.entries(demo.metricsUrls)) say(`  ${service.padEnd(13)} ${url}`);
say(`Gateway: ${demo.gatewayUrl}/users/u1/books`);

background = steadyTraffic(demo.gatewayUrl, 100);
if (args.chaos) {
  const phaseMs = envPort('DEMO_CHAOS_PHASE_MS') ?? 10_000;
  say('\nChaos: book-service (and for a while order-service) misbehaves (traffic keeps flowing, 10 requests/s).');
  say('Each table shows the calls of its phase only.');
  for (const phase of chaosPhases(phaseMs)) {
    if (stopping) break;
    say(`\n▶ ${phase.title}`);
    phase.apply(demo);
    await new Promise((resolve) => setTimeout(resolve, phase.durationMs));
    if (stopping) break;
    const [servedNow, snapshotNow] = [await servedBy(books, HOST), await scrape(metricsUrls(demo))];
    const notes = new Map(phase.marked ? [[books[phase.marked.index]!.name, phase.marked.note]] : []);
    say(`  gateway answers so far: ${summary([...background.byStatus].flatMap(([status, count]) => Array<number>(count).fill(status)))}`);
    say(renderTable(since(snapshotNow, snapshot), servedSince(servedNow, served, notes)));
    [served, snapshot] = [servedNow, snapshotNow];
  }
}
say('\nThe demo keeps running with light traffic; Ctrl-C stops it.');

function metricsUrls(running: Demo): Record<string, string> {
  return Object.fromEntries(Object.entries(running.metricsUrls).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function summary(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([status, count]) => `${count}× HTTP ${status || 'no answer'}`).join(', ');
}
