// Starts the demo's services as child processes (each exactly what `node demo/services/<name>.ts`
// runs in a container; book-service twice, as its two replicas), waits for each to say it is
// listening, asks book-service replicas what they served, and stops them all on request.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceOf, type DemoProcess, type DemoService } from '../ports.ts';
import type { ControlMessage, StatusMessage } from '../server/process.ts';
import type { ServedCounts } from '../server/served-calls.ts';

export interface ServiceProcess {
  /** The process (book-service-1, ...): its log file is <name>.log. */
  name: DemoProcess;
  service: DemoService;
  port: number;
  child: ChildProcess;
  /** Sends a chaos command (faults.ts, grpc-host.ts outage). */
  control(message: ControlMessage): void;
  /** The calls this server has served so far (book-service only; served-calls.ts). */
  served(): Promise<ServedCounts>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Forks one process of a service and resolves once it reports the port it listens on. */
export async function startService(name: DemoProcess, env: NodeJS.ProcessEnv, logDir: string): Promise<ServiceProcess> {
  const service = serviceOf(name);
  mkdirSync(logDir, { recursive: true });
  const log: WriteStream = createWriteStream(join(logDir, `${name}.log`));
  const script = fileURLToPath(new URL(`../services/${service}.ts`, import.meta.url));
  // process.execPath is the Node that runs the orchestrator (the pinned Node 24 under npm run demo).
  const child = fork(script, [], { env, execPath: process.execPath, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => log.end());

  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (message: StatusMessage) => {
      if (message.type !== 'ready') return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message.port);
    };
    const onExit = (code: number | null) => reject(new Error(`${name} exited with code ${code} before it was ready; see ${join(logDir, `${name}.log`)}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

  const control = (message: ControlMessage) => {
    if (child.connected) child.send(message);
  };
  return {
    name,
    service,
    port,
    child,
    control,
    served: () =>
      new Promise<ServedCounts>((resolve, reject) => {
        const onMessage = (message: StatusMessage) => {
          if (message.type !== 'served') return;
          child.off('message', onMessage);
          clearTimeout(timer);
          resolve(message.counts);
        };
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error(`${name} did not report its served calls`));
        }, 5_000);
        child.on('message', onMessage);
        control({ type: 'report-served' });
      }),
    stop: async (graceMs = 8_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
