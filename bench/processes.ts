// Child processes of the bench: each speaks to the parent over IPC and runs on the same Node as the parent.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Environment without OTEL_* and GRPC_CLIENTS_* settings of the shell, so every variant sees only its own config. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && !key.startsWith('GRPC_CLIENTS_')));
}

export interface Started<T> {
  child: ChildProcess;
  /** The first message the child sends. */
  message: T;
}

/** Starts bench/<script> and waits for its first IPC message; rejects if it exits first. */
export function start<T>(script: string, args: string[] = [], execArgv: string[] = []): Promise<Started<T>> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    execPath: process.execPath,
    execArgv,
    env: cleanEnv(),
    // stdout is dropped: variants that log at info write there, as a service would to its log collector.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, message: message as T }));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`bench/${script} exited (${signal ?? code}) before reporting`)));
  });
}

/** Runs bench/<script> to completion and returns the one report it sends. */
export async function run<T>(script: string, args: string[] = [], execArgv: string[] = []): Promise<T> {
  const { child, message } = await start<T>(script, args, execArgv);
  if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  return message;
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}
