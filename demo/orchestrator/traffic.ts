// Requests the demo sends through the gateway: a fixed mix that touches every route and both
// error paths (an unknown user, an unknown book), once as a warm-up and then steadily in the background.

export interface GatewayRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

export interface GatewayResult extends GatewayRequest {
  status: number;
  /** From the W3C `traceresponse` header the gateway sets. */
  traceId?: string;
  ms: number;
}

/** The request whose trace the demo draws: gateway → user-service → book- and order-service. */
export const SHOWCASE: GatewayRequest = { method: 'GET', path: '/users/u1/books' };

export const MIX: GatewayRequest[] = [
  SHOWCASE,
  { method: 'GET', path: '/users/u2/books' },
  { method: 'GET', path: '/users/u3' },
  { method: 'GET', path: '/users/u1/orders' },
  { method: 'GET', path: '/books/b2' },
  { method: 'POST', path: '/orders', body: { userId: 'u3', bookId: 'b1', quantity: 1 } },
  { method: 'GET', path: '/users/u9' },
  { method: 'GET', path: '/books/b99' },
];

export async function send(gatewayUrl: string, request: GatewayRequest): Promise<GatewayResult> {
  const started = performance.now();
  const response = await fetch(gatewayUrl + request.path, {
    method: request.method,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }),
  });
  await response.arrayBuffer();
  const traceId = response.headers.get('traceresponse')?.split('-')[1];
  return { ...request, status: response.status, ms: performance.now() - started, ...(traceId ? { traceId } : {}) };
}

/** Sends the mix `rounds` times, a few requests at a time. */
export async function sendRounds(gatewayUrl: string, rounds: number): Promise<GatewayResult[]> {
  const results: GatewayResult[] = [];
  for (let round = 0; round < rounds; round += 1) results.push(...(await Promise.all(MIX.map((request) => send(gatewayUrl, request)))));
  return results;
}

/** Sends one request of the mix every `intervalMs` until stopped; counts answers by HTTP status. */
export function steadyTraffic(gatewayUrl: string, intervalMs: number): { byStatus: Map<number, number>; stop(): Promise<void> } {
  const byStatus = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  const timer = setInterval(() => {
    const request = MIX[next++ % MIX.length]!;
    const pending = send(gatewayUrl, request).then(
      (result) => void byStatus.set(result.status, (byStatus.get(result.status) ?? 0) + 1),
      () => void byStatus.set(0, (byStatus.get(0) ?? 0) + 1), // 0: no HTTP answer at all
    );
    inFlight.add(pending);
    void pending.finally(() => inFlight.delete(pending));
  }, intervalMs);
  return {
    byStatus,
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
