// The demo system on one machine: a local OTLP receiver, then book-service's two replicas, order-,
// user-service and the gateway, started leaf first so each one's backends are already listening; the
// callers reach both book-service replicas through one ipv4: address. Used by `npm run demo`
// (demo/run.ts) and by the end-to-end tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressEnv, DEFAULT_METRICS_PORTS, DEFAULT_PORTS, metricsPortEnv, OTLP_PORT_ENV, portEnv, PROCESSES, REPLICAS, SERVICES, serviceAddress, serviceOf, type DemoProcess, type DemoService } from '../ports.ts';
import { OtlpReceiver } from './otlp-receiver.ts';
import { assertPortsFree, type WantedPort } from './port-check.ts';
import { startService, type ServiceProcess } from './processes.ts';

export interface DemoOptions {
  /** Ports of the processes, book-service's replicas each (0: any free port); default the ports in ports.ts. */
  ports?: Partial<Record<DemoProcess, number>>;
  /** Prometheus scrape ports of the grpcclient callers; default the ones in ports.ts. */
  metricsPorts?: Partial<Record<DemoService, number>>;
  /** Port of the local OTLP receiver (default any free port). */
  otlpPort?: number;
  /** Where each service's log goes, one file per service; default a new folder per run (newLogDir()). */
  logDir?: string;
  /** Extra environment for every service. */
  env?: NodeJS.ProcessEnv;
}

export interface Demo {
  gatewayUrl: string;
  /** Scrape URL of each grpcclient caller (api-gateway, user-service, order-service). */
  metricsUrls: Partial<Record<DemoService, string>>;
  otlp: OtlpReceiver;
  otlpUrl: string;
  /** Every process by name: book-service-1 and book-service-2 are book-service's replicas. */
  processes: Record<DemoProcess, ServiceProcess>;
  /** The processes of one service (book-service: both replicas). */
  replicas(service: DemoService): ServiceProcess[];
  logDir: string;
  stop(): Promise<void>;
}

/** Leaf first: a service starts once everything it calls is listening (every replica of it). */
const START_ORDER: DemoService[] = ['book-service', 'order-service', 'user-service', 'api-gateway'];
/** Every demo process listens on this loopback address (BIND_HOST). */
export const HOST = '127.0.0.1';

/** A fresh log folder for one demo run, so runs (and tests) never write into each other's logs. */
export function newLogDir(): string {
  return mkdtempSync(join(tmpdir(), 'grpcclient-demo-'));
}

/** Every fixed port the demo would listen on, with the env variable of `npm run demo` that moves it. */
function wantedPorts(options: DemoOptions): WantedPort[] {
  return [
    ...PROCESSES.map((name): WantedPort => ({ port: options.ports?.[name] ?? DEFAULT_PORTS[name], what: `${name} ${name === 'api-gateway' ? 'HTTP' : 'gRPC'}`, envVar: portEnv(name), example: '0' })),
    ...SERVICES.flatMap((service): WantedPort[] => {
      const metricsPort = options.metricsPorts?.[service] ?? DEFAULT_METRICS_PORTS[service];
      return metricsPort === undefined ? [] : [{ port: metricsPort, what: `${service} Prometheus metrics`, envVar: metricsPortEnv(service), example: String(metricsPort + 100) }];
    }),
    { port: options.otlpPort ?? 0, what: 'demo OTLP span receiver', envVar: OTLP_PORT_ENV, example: '0' },
  ];
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  // Checked before anything starts: a taken port is one clear error, not a child process crashing half-way.
  await assertPortsFree(HOST, wantedPorts(options));
  const logDir = options.logDir ?? newLogDir();
  const otlp = new OtlpReceiver();
  const otlpUrl = await otlp.listen(options.otlpPort ?? 0);
  const started: ServiceProcess[] = [];
  const stop = async () => {
    // The gateway first, so no new traffic reaches a backend that is already gone.
    for (const process of [...started].reverse()) await process.stop();
    await otlp.close();
  };

  const addresses: Record<string, string> = {};
  const metricsUrls: Partial<Record<DemoService, string>> = {};
  try {
    for (const service of START_ORDER) {
      const metricsPort = options.metricsPorts?.[service] ?? DEFAULT_METRICS_PORTS[service];
      const env = (name: DemoProcess): NodeJS.ProcessEnv => ({
        ...process.env,
        ...options.env,
        ...addresses,
        PORT: String(options.ports?.[name] ?? DEFAULT_PORTS[name]),
        BIND_HOST: HOST,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        OTEL_TRACES_EXPORTER: 'otlp',
        // Export spans every half second instead of every 5 s, so the waterfall is ready quickly.
        OTEL_BSP_SCHEDULE_DELAY: '500',
        ...(metricsPort === undefined
          ? {}
          : { GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_PORT: String(metricsPort), GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_HOST: HOST }),
      });
      // Replicas start together: they call nobody, and each one's port is known only once it listens.
      const results = await Promise.allSettled(REPLICAS[service].map((name) => startService(name, env(name), logDir)));
      const running = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      started.push(...running); // before a failure is thrown, so stop() ends the replica that did start
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      addresses[addressEnv(service)] = serviceAddress(HOST, running.map((replica) => replica.port));
      if (metricsPort !== undefined) metricsUrls[service] = `http://${HOST}:${metricsPort}/metrics`;
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const processes = Object.fromEntries(started.map((process) => [process.name, process])) as Record<DemoProcess, ServiceProcess>;
  const replicas = (service: DemoService) => started.filter((process) => serviceOf(process.name) === service);
  return { gatewayUrl: `http://${HOST}:${processes['api-gateway'].port}`, metricsUrls, otlp, otlpUrl, processes, replicas, logDir, stop };
}
