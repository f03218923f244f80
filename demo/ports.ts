// Where each demo process listens: the defaults a human sees, each overridable by environment so
// tests (and anyone with a busy port) can move them. book-service runs as two replicas (two
// processes) that every caller reaches through one address. The configs, docker-compose.yml and
// otel/prometheus.yml name the same defaults; test/demo-stack-files.test.ts checks they agree.

export type DemoService = 'api-gateway' | 'user-service' | 'book-service' | 'order-service';

export const SERVICES: readonly DemoService[] = ['api-gateway', 'user-service', 'book-service', 'order-service'];

/** One demo process: a service, or one replica of book-service. Also the name of its log file. */
export type DemoProcess = 'api-gateway' | 'user-service' | 'book-service-1' | 'book-service-2' | 'order-service';

/** The processes of each service: book-service twice, so balancing and hedging have replicas to choose from. */
export const REPLICAS: Record<DemoService, readonly DemoProcess[]> = {
  'api-gateway': ['api-gateway'],
  'user-service': ['user-service'],
  'book-service': ['book-service-1', 'book-service-2'],
  'order-service': ['order-service'],
};

export const PROCESSES: readonly DemoProcess[] = SERVICES.flatMap((service) => REPLICAS[service]);

export function serviceOf(process: DemoProcess): DemoService {
  return SERVICES.find((service) => REPLICAS[service].includes(process))!;
}

/**
 * The port a service is called on: HTTP for the gateway, gRPC for the others. In docker compose every
 * replica listens on it (each in its own container, behind one DNS name). Env: PORT.
 */
export const SERVICE_PORTS: Record<DemoService, number> = {
  'api-gateway': 8080,
  'user-service': 9001,
  'book-service': 9002,
  'order-service': 9003,
};

/**
 * The port each process listens on, on one machine (`npm run demo`): book-service's second replica
 * next to the first on the same loopback address (127.0.0.2 is not configured on every system), and
 * the host port docker compose publishes it on.
 */
export const DEFAULT_PORTS: Record<DemoProcess, number> = {
  'api-gateway': 8080,
  'user-service': 9001,
  'book-service-1': 9002,
  'book-service-2': 9012,
  'order-service': 9003,
};

/**
 * The Prometheus scrape port of each service that calls others through grpcclient (book-service calls
 * nothing, so it has no client metrics). Distinct ports so all of them fit on one machine; set in
 * configs/<service>.yaml, env GRPC_CLIENTS_TELEMETRY_METRICS_PROMETHEUS_PORT.
 */
export const DEFAULT_METRICS_PORTS: Partial<Record<DemoService, number>> = {
  'api-gateway': 9464,
  'user-service': 9465,
  'order-service': 9466,
};

const envKey = (name: string) => name.toUpperCase().replace(/-/g, '_');

/** The env variable `npm run demo` reads for a process's port (demo/run.ts), e.g. DEMO_BOOK_SERVICE_2_PORT. */
export function portEnv(process: DemoProcess): string {
  return `DEMO_${envKey(process)}_PORT`;
}

/** The env variable `npm run demo` reads for a caller's Prometheus port, e.g. DEMO_API_GATEWAY_METRICS_PORT. */
export function metricsPortEnv(service: DemoService): string {
  return `DEMO_${envKey(service)}_METRICS_PORT`;
}

/** The env variable `npm run demo` reads for the port of its local OTLP span receiver. */
export const OTLP_PORT_ENV = 'DEMO_OTLP_PORT';

/** The env variable grpcclient reads for the address of a service it calls. */
export function addressEnv(service: DemoService): string {
  return `GRPC_CLIENTS_${envKey(service)}_ADDRESS`;
}

/**
 * The one address that reaches every replica of a service on `host`: `host:port` for a single
 * process, an `ipv4:` list for several (grpc-js's static resolver: one address per replica, so the
 * load-balancing policy sees each of them).
 */
export function serviceAddress(host: string, ports: readonly number[]): string {
  return ports.length === 1 ? `${host}:${ports[0]}` : `ipv4:${ports.map((port) => `${host}:${port}`).join(',')}`;
}

/** The port this process listens on: env PORT, else the service's port. */
export function listenPort(service: DemoService, env = process.env): number {
  const raw = env['PORT'];
  if (raw === undefined || raw === '') return SERVICE_PORTS[service];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT=${raw} is not a port number`);
  return port;
}

/** Interface to bind: env BIND_HOST, else every interface (what a container needs). */
export function bindHost(env = process.env): string {
  return env['BIND_HOST'] || '0.0.0.0';
}
