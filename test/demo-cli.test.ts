// `npm run demo -- --chaos` as a user runs it: the waterfall and table are printed, the chaos phases
// run, and Ctrl-C (SIGINT) stops every process cleanly, also behind a pipe (`npm run demo | tee log`),
// and the services stop by themselves if the orchestrator dies. Each run logs into a folder of its own,
// and a port that is taken ends the demo with one line saying which variable moves it.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLOW_REPLICA_MS } from '../demo/orchestrator/chaos.ts';
import { LATENCY_NOTE } from '../demo/orchestrator/metrics-table.ts';
import { REPLICA_NOTE } from '../demo/orchestrator/replica-lines.ts';
import { demoMetricsPorts } from './helpers/demo-ports.ts';
import { descendants, isRunning, type ProcessInfo } from './helpers/processes.ts';

/** The environment that moves every demo port off its default: services on any free port, metrics on free ports. */
async function movedPorts(): Promise<NodeJS.ProcessEnv> {
  const metrics = await demoMetricsPorts();
  return {
    DEMO_API_GATEWAY_PORT: '0',
    DEMO_USER_SERVICE_PORT: '0',
    DEMO_BOOK_SERVICE_1_PORT: '0',
    DEMO_BOOK_SERVICE_2_PORT: '0',
    DEMO_ORDER_SERVICE_PORT: '0',
    DEMO_API_GATEWAY_METRICS_PORT: String(metrics['api-gateway']),
    DEMO_USER_SERVICE_METRICS_PORT: String(metrics['user-service']),
    DEMO_ORDER_SERVICE_METRICS_PORT: String(metrics['order-service']),
  };
}

function startDemoCli(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, ['demo/run.ts', ...args], { cwd: new URL('..', import.meta.url), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

const logDirOf = (output: string) => /^Logs of this run: (.+)$/m.exec(output)?.[1];

test('npm run demo -- --chaos prints the waterfall, the table and the chaos phases, and stops cleanly on SIGINT', async (t) => {
  const child = startDemoCli(['--chaos'], { ...(await movedPorts()), DEMO_CHAOS_PHASE_MS: '2000' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    const logDir = logDirOf(output);
    if (logDir) rmSync(logDir, { recursive: true, force: true });
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
  // The log folder is printed first and is this run's own, with one log per service.
  t.regex(output.split('\n')[0]!, /^Logs of this run: /);
  const logDir = logDirOf(output)!;
  t.true(logDir.startsWith(join(tmpdir(), 'grpcclient-demo-')), logDir);
  t.deepEqual(readdirSync(logDir).sort(), ['api-gateway.log', 'book-service-1.log', 'book-service-2.log', 'order-service.log', 'user-service.log']);
  t.regex(output, /caller\s+service\s+method\s+calls\s+errors\s+attempts\s+hedges\s+p50 ms\s+p99 ms\s+channel/);
  t.true(output.includes(`  ${LATENCY_NOTE}`), 'the table says its percentiles are histogram estimates');
  t.regex(output, /api-gateway\s+user-service\s+user\.v1\.UserService\/GetUserBooks\s+\d+\s+\d+\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+READY/);
  const phases = ['one book-service replica answers', 'fail half of their calls', 'stalls', 'off the network', 'back and healthy'];
  for (const phase of phases) t.true(output.includes(phase), phase);
  const sections = output.split('\n▶ ');
  const section = (title: string) => sections.find((text) => text.split('\n')[0]!.includes(title)) ?? '';

  // Before the chaos, both replicas served calls, each READY for every caller.
  const first = sections[0]!.slice(sections[0]!.indexOf('Calls per service and method'));
  t.true(first.includes(`  ${REPLICA_NOTE}`), 'the table has a line per replica');
  for (const replica of ['book-service-1', 'book-service-2']) {
    const served = new RegExp(`^  ${replica}\\s+127\\.0\\.0\\.1:\\d+\\s+served\\s+(\\d+) calls .*READY for api-gateway`, 'm').exec(first);
    t.true(Number(served?.[1]) > 0, `${replica} served calls: ${served?.[0]}`);
  }
  // The slow-replica phase: its table counts that phase only, marks the slow replica, and shows hedges.
  const slowPhase = section(phases[0]!);
  t.regex(slowPhase, new RegExp(`^  book-service-2 .*served\\s+\\d+ calls .*← slow \\(${SLOW_REPLICA_MS} ms per call\\)$`, 'm'));
  const hedges = [...slowPhase.matchAll(/book-service\s+book\.v1\.BookService\/\w+\s+\d+\s+\d+\s+\d+\s+(\d+)/g)].reduce((sum, [, count]) => sum + Number(count), 0);
  t.true(hedges > 0, `hedges in the slow-replica phase:\n${slowPhase}`);
  // During the failing phase the callers hedged and retried: some book- and some order-service row shows more attempts than calls.
  for (const service of ['book', 'order']) {
    const rows = [...section(phases[1]!).matchAll(new RegExp(`${service}-service\\s+${service}\\.v1\\.\\w+/\\w+\\s+(\\d+)\\s+\\d+\\s+(\\d+)`, 'g'))];
    t.true(rows.some(([, calls, attempts]) => Number(attempts) > Number(calls)), `attempts > calls for some ${service}-service method:\n${section(phases[1]!)}`);
  }
  const gatewayPort = /api-gateway\s+port (\d+)/.exec(output)![1];

  child.kill('SIGINT');
  t.is(await exited, 0, output.slice(-2000));
  t.regex(output, /SIGINT: stopping the demo[\s\S]*stopped\./);
  await t.throwsAsync(fetch(`http://127.0.0.1:${gatewayPort}/healthz`), undefined, 'the gateway is gone');
});

/** Resolves once `output()` matches `pattern`, rejects if the process exits first. */
function outputMatches(child: ChildProcess, output: () => string, pattern: RegExp): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => pattern.test(output()) && resolve();
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing ${pattern}:\n${output()}`)));
  });
}

/** The demo's five service processes below `root`, found by their command line. */
function demoServices(root: number): ProcessInfo[] {
  return descendants(root).filter((process) => process.command.includes('demo/services/'));
}

/** Ends whatever a failed test left running, by pid, and the run's log folder. */
function cleanUp(t: { teardown(fn: () => void): void }, processes: () => ProcessInfo[], output: () => string) {
  t.teardown(() => {
    for (const { pid } of processes()) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    const logDir = logDirOf(output());
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });
}

test.serial('Ctrl-C on `npm run demo | tee log` stops every service before the shell gets its prompt back', async (t) => {
  const teeDir = mkdtempSync(join(tmpdir(), 'demo-tee-'));
  const logFile = join(teeDir, 'log');
  t.teardown(() => rmSync(teeDir, { force: true, recursive: true }));
  // A terminal's foreground job: a process group of its own. Ctrl-C sends SIGINT to all of it at once:
  // the shell, npm, the orchestrator, every service, and tee, whose end closes the orchestrator's stdout.
  const shell = spawn('sh', ['-c', `npm run demo | tee '${logFile}'`], { cwd: new URL('..', import.meta.url), env: { ...process.env, ...(await movedPorts()) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  shell.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shell.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));
  let started: ProcessInfo[] = [];
  cleanUp(t, () => started, () => output);
  await outputMatches(shell, () => output, /Ctrl-C stops it/);
  started = descendants(shell.pid!);
  const services = demoServices(shell.pid!);
  t.is(services.length, 5, JSON.stringify(started));

  const signalled = performance.now();
  process.kill(-shell.pid!, 'SIGINT');
  await exited;
  t.log(`the pipeline ended ${Math.round(performance.now() - signalled)} ms after Ctrl-C`);
  t.deepEqual(started.filter(({ pid }) => isRunning(pid)), [], 'nothing of the demo outlives the pipeline');
});

test.serial('the services stop by themselves when the orchestrator dies without stopping them', async (t) => {
  const orchestrator = startDemoCli([], await movedPorts());
  let output = '';
  orchestrator.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let services: ProcessInfo[] = [];
  cleanUp(t, () => [...services, { pid: orchestrator.pid!, command: 'demo/run.ts' }], () => output);
  await outputMatches(orchestrator, () => output, /Sending traffic through the gateway/);
  services = demoServices(orchestrator.pid!);
  t.is(services.length, 5);

  const killed = performance.now();
  orchestrator.kill('SIGKILL'); // no handler runs: each service sees only its IPC channel close
  // Processes that are not our children give no exit event: look again every 100 ms, for at most 20 s.
  const giveUpAt = Date.now() + 20_000;
  while (services.some(({ pid }) => isRunning(pid)) && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 100));
  t.deepEqual(services.filter(({ pid }) => isRunning(pid)), [], 'every service exited');
  t.log(`the last service exited within ${Math.round(performance.now() - killed)} ms of the orchestrator's death`);
});

/** A listener on 127.0.0.1 holding a port, as another program on the machine would. */
async function occupy(t: { teardown(fn: () => void): void }): Promise<number> {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => holder.close());
  return (holder.address() as { port: number }).port;
}

async function runToExit(env: NodeJS.ProcessEnv) {
  const child = startDemoCli([], env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr };
}

for (const [what, variable] of [
  ['a service port', 'DEMO_ORDER_SERVICE_PORT'],
  ['a book-service replica port', 'DEMO_BOOK_SERVICE_2_PORT'],
  ['the gateway port', 'DEMO_API_GATEWAY_PORT'],
  ['a Prometheus metrics port', 'DEMO_USER_SERVICE_METRICS_PORT'],
  ['the OTLP receiver port', 'DEMO_OTLP_PORT'],
] as const) {
  test(`${what} in use ends the demo with one line naming the port and ${variable}, no stack trace`, async (t) => {
    const taken = await occupy(t);
    const { code, stdout, stderr } = await runToExit({ ...(await movedPorts()), [variable]: String(taken) });
    const logDir = logDirOf(stdout);
    t.teardown(() => logDir && rmSync(logDir, { recursive: true, force: true }));
    t.is(code, 1, stdout + stderr);
    const lines = stderr.trim().split('\n');
    t.is(lines.length, 1, stderr);
    t.regex(lines[0]!, new RegExp(`^Port ${taken} \\(.+\\) is already in use; set ${variable} to move it, e\\.g\\. ${variable}=\\d+ npm run demo$`));
    t.notRegex(stdout + stderr, /^\s+at /m, 'no stack trace');
    t.false(existsSync(logDir!), 'nothing started, so no log folder is left behind');
  });
}
