// shutdown() and signal handling leave nothing running: the process ends by itself.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startBookServer } from './helpers/servers.ts';
import { TestHealthService } from './helpers/health-service.ts';

const SCRIPT = fileURLToPath(new URL('fixtures/shutdown-process.ts', import.meta.url));

/** A book server with health checking; GetBook b3 takes 300ms. */
function server() {
  const health = new TestHealthService();
  return startBookServer({
    extraServices: [health.entry],
    onGetBook: (call) => (call.request.id === 'b3' ? new Promise<void>((resolve) => setTimeout(resolve, 300)) : undefined),
  });
}

function run(address: string, mode: 'shutdown' | 'signal') {
  const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, ADDRESS: address, MODE: mode }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A process that does not end by itself has a handle left open: the test fails after 10s instead of hanging.
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const exited = once(child, 'exit').then(([code, signal]) => {
    clearTimeout(killer);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  return { child, exited, output: () => stdout };
}

test('after shutdown() the process exits by itself: no handle is left open (channels, health watch, keepalive, timers)', async (t) => {
  const backend = await server();
  t.teardown(() => backend.stop());
  const started = Date.now();
  const { exited } = run(backend.address, 'shutdown');
  const result = await exited;
  t.is(result.signal, null, `killed: the process did not exit by itself\n${result.stderr}`);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'call ok b1\nshut down\n');
  t.true(Date.now() - started < 10_000);
});

test('SIGTERM with handleSignals: the in-flight call finishes during the drain, then the process ends on the signal', async (t) => {
  const backend = await server();
  t.teardown(() => backend.stop());
  const { child, exited, output } = run(backend.address, 'signal');
  while (!output().includes('ready\n')) await once(child.stdout, 'data');
  child.kill('SIGTERM');
  const result = await exited;
  t.is(result.stdout, 'ready\ncall ok b3\n', result.stderr);
  t.is(result.signal, 'SIGTERM', 'the signal is raised again after the drain, so the process ends as it would have');
});
