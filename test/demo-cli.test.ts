// `npm run demo -- --chaos` as a user runs it: the waterfall and table are printed, the chaos phases
// run, and Ctrl-C (SIGINT) stops every process cleanly.
import test from 'ava';
import { spawn } from 'node:child_process';
import { demoMetricsPorts } from './helpers/demo-ports.ts';

test('npm run demo -- --chaos prints the waterfall, the table and the chaos phases, and stops cleanly on SIGINT', async (t) => {
  const metrics = await demoMetricsPorts();
  const child = spawn(process.execPath, ['demo/run.ts', '--chaos'], {
    cwd: new URL('..', import.meta.url),
    env: {
      ...process.env,
      DEMO_API_GATEWAY_PORT: '0',
      DEMO_USER_SERVICE_PORT: '0',
      DEMO_BOOK_SERVICE_PORT: '0',
      DEMO_ORDER_SERVICE_PORT: '0',
      DEMO_API_GATEWAY_METRICS_PORT: String(metrics['api-gateway']),
      DEMO_USER_SERVICE_METRICS_PORT: String(metrics['user-service']),
      DEMO_ORDER_SERVICE_METRICS_PORT: String(metrics['order-service']),
      DEMO_CHAOS_PHASE_MS: '1500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  await new Promise<void>((resolve, reject) => {
    const check = () => output.includes('Ctrl-C stops it') && resolve();
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`demo exited early (${code}):\n${output}`)));
  });

  t.regex(output, /trace [0-9a-f]{32}\s+\d+ spans/);
  for (const line of [
    /api-gateway\s+GET \/users\/:id\/books \(server\)/,
    /api-gateway\s+└─ user\.v1\.UserService\/GetUserBooks \(client\)/,
    /user-service\s+└─ user\.v1\.UserService\/GetUserBooks \(server\)/,
    /book-service\s+.*book\.v1\.BookService\/ListBooksByOwner \(server\)/,
    /order-service\s+.*order\.v1\.OrderService\/ListOrdersByUser \(server\)/,
  ]) {
    t.regex(output, line);
  }
  t.regex(output, /caller\s+service\s+method\s+calls\s+errors\s+attempts\s+p50 ms\s+p99 ms\s+channel/);
  t.regex(output, /api-gateway\s+user-service\s+user\.v1\.UserService\/GetUserBooks\s+\d+\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+READY/);
  for (const phase of ['fails half', 'stalls', 'off the network', 'back and healthy']) t.true(output.includes(phase), phase);
  // During the failing phase the callers of book-service retried: some row shows more attempts than calls.
  const retried = [...output.matchAll(/book-service\s+book\.v1\.BookService\/\w+\s+(\d+)\s+\d+\s+(\d+)/g)].some(([, calls, attempts]) => Number(attempts) > Number(calls));
  t.true(retried, 'attempts > calls for some book-service method');
  const gatewayPort = /api-gateway\s+port (\d+)/.exec(output)![1];

  child.kill('SIGINT');
  t.is(await exited, 0, output.slice(-2000));
  t.regex(output, /SIGINT: stopping the demo[\s\S]*stopped\./);
  await t.throwsAsync(fetch(`http://127.0.0.1:${gatewayPort}/healthz`), undefined, 'the gateway is gone');
});
