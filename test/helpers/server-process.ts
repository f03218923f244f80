// Runs test/fixtures/book-server-process.ts as a child process: a server a test can SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../fixtures/book-server-process.ts', import.meta.url));

export interface ServerProcess {
  port: number;
  address: string;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
}

export async function startServerProcess(port = 0): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => { throw new Error('server process exited before listening'); })])) as [Buffer];
  const bound = Number(line.toString().trim());
  return {
    port: bound,
    address: `127.0.0.1:${bound}`,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
