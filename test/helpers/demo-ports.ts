// Free loopback ports for the demo's Prometheus endpoints, which (unlike the gRPC and HTTP servers)
// must be known before the service starts.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Metrics ports for the three grpcclient callers of the demo. */
export async function demoMetricsPorts() {
  return { 'api-gateway': await freePort(), 'user-service': await freePort(), 'order-service': await freePort() };
}
