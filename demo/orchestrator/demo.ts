// The demo system on one machine: a local OTLP receiver, then book-, order-, user-service and the
// gateway, started leaf first so each one's backends are already listening. Used by `npm run demo`
// (demo/run.ts) and by the end-to-end tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressEnv, DEFAULT_METRICS_PORTS, DEFAULT_PORTS, metricsPortEnv, OTLP_PORT_ENV, portEnv, SERVICES, type DemoService } from '../ports.ts';
import { OtlpReceiver } from './otlp-receiver.ts';
import { assertPortsFree, type WantedPort } from './port-check.ts';
import { startService, type ServiceProcess } from './processes.ts';

export interface DemoOptions {
  /** Service ports (0: any free port); default the ports in ports.ts. */
  ports?: Partial<Record<DemoService, number>>;
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
  processes: Record<DemoService, ServiceProcess>;
  logDir: string;
  stop(): Promise<void>;
}

/** Leaf first: a service starts once everything it calls is listening. */
const START_ORDER: DemoService[] = ['book-service', 'order-service', 'user-service', 'api-gateway'];
const HOST = '127.0.0.1';

/** A fresh log folder for one demo run, so runs (and tests) never write into each other's logs. */
export function newLogDir(): string {
  return mkdtempSync(join(tmpdir(), 'grpcclient-demo-'));
}

/** Every fixed port the demo would listen on, with the env variable of `npm run demo` that moves it. */
function wantedPorts(options: DemoOptions): WantedPort[] {
  return [
    ...SERVICES.flatMap((service): WantedPort[] => {
      const metricsPort = options.metricsPorts?.[service] ?? DEFAULT_METRICS_PORTS[service];
      return [
        { port: options.ports?.[service] ?? DEFAULT_PORTS[service], what: `${service} ${service === 'api-gateway' ? 'HTTP' : 'gRPC'}`, envVar: portEnv(service), example: '0' },
        ...(metricsPort === undefined ? [] : [{ port: metricsPort, what: `${service} Prometheus metrics`, envVar: metricsPortEnv(service), example: String(metricsPort + 100) }]),
      ];
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
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        ...addresses,
        PORT: String(options.ports?.[service] ?? DEFAULT_PORTS[service]),
        BIND_HOST: HOST,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        OTEL_TRACES_EXPORTER: 'otlp',
        // Export spans every half second instead of every 5 s, so the waterfall is ready quickly.
        OTEL_BSP_SCHEDULE_DELAY: '500',
        ...(metricsPort === undefined
          ? {}
          : { GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_PORT: String(metricsPort), GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_HOST: HOST }),
      };
      const running = await startService(service, env, logDir);
      started.push(running);
      addresses[addressEnv(service)] = `${HOST}:${running.port}`;
      if (metricsPort !== undefined) metricsUrls[service] = `http://${HOST}:${metricsPort}/metrics`;
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const processes = Object.fromEntries(started.map((process) => [process.service, process])) as Record<DemoService, ServiceProcess>;
  return { gatewayUrl: `http://${HOST}:${processes['api-gateway'].port}`, metricsUrls, otlp, otlpUrl, processes, logDir, stop };
}
