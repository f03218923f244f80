// Starts the demo's services as child processes (each exactly what `node demo/services/<name>.ts`
// runs in a container), waits for each to say it is listening, and stops them all on request.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoService } from '../ports.ts';
import type { ControlMessage, StatusMessage } from '../server/process.ts';

export interface ServiceProcess {
  service: DemoService;
  port: number;
  child: ChildProcess;
  /** Sends a chaos command (faults.ts, grpc-host.ts outage). */
  control(message: ControlMessage): void;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Forks one service and resolves once it reports the port it listens on. */
export async function startService(service: DemoService, env: NodeJS.ProcessEnv, logDir: string): Promise<ServiceProcess> {
  mkdirSync(logDir, { recursive: true });
  const log: WriteStream = createWriteStream(join(logDir, `${service}.log`));
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
      resolve(message.port);
    };
    const onExit = (code: number | null) => reject(new Error(`${service} exited with code ${code} before it was ready; see ${join(logDir, `${service}.log`)}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

  return {
    service,
    port,
    child,
    control: (message) => {
      if (child.connected) child.send(message);
    },
    stop: async (graceMs = 8_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
