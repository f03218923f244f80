// Where each demo process listens: the defaults a human sees, each overridable by environment so
// tests (and anyone with a busy port) can move them. The configs, docker-compose.yml and
// otel/prometheus.yml name the same defaults; test/demo-stack-files.test.ts checks they agree.

export type DemoService = 'api-gateway' | 'user-service' | 'book-service' | 'order-service';

export const SERVICES: readonly DemoService[] = ['api-gateway', 'user-service', 'book-service', 'order-service'];

/** The port each service serves on: HTTP for the gateway, gRPC for the others. Env: PORT. */
export const DEFAULT_PORTS: Record<DemoService, number> = {
  'api-gateway': 8080,
  'user-service': 9001,
  'book-service': 9002,
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

const envKey = (service: DemoService) => service.toUpperCase().replace(/-/g, '_');

/** The env variable `npm run demo` reads for a service's port (demo/run.ts), e.g. DEMO_BOOK_SERVICE_PORT. */
export function portEnv(service: DemoService): string {
  return `DEMO_${envKey(service)}_PORT`;
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

/** The port this process listens on: env PORT, else its default. */
export function listenPort(service: DemoService, env = process.env): number {
  const raw = env['PORT'];
  if (raw === undefined || raw === '') return DEFAULT_PORTS[service];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT=${raw} is not a port number`);
  return port;
}

/** Interface to bind: env BIND_HOST, else every interface (what a container needs). */
export function bindHost(env = process.env): string {
  return env['BIND_HOST'] || '0.0.0.0';
}
