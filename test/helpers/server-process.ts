// Runs test/fixtures/book-server-process.ts as a child process: a server a test can SIGKILL, or one of
// several replicas that do not share the test's event loop (on 127.0.0.x, counting the calls they answer).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../fixtures/book-server-process.ts', import.meta.url));

export interface ServerProcess {
  port: number;
  address: string;
  /** GetBook calls the server has answered so far. */
  served(): Promise<number>;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
}

export async function startServerProcess(port = 0, host = '127.0.0.1'): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT], { env: { ...process.env, PORT: String(port), HOST: host }, stdio: ['pipe', 'pipe', 'inherit'] });
  // The child writes lines: its port once listening, then its count for each line it reads on stdin.
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('server process exited');
    return value as string;
  };
  const bound = Number(await Promise.race([nextLine(), once(child, 'exit').then(() => { throw new Error('server process exited before listening'); })]));
  return {
    port: bound,
    address: `${host}:${bound}`,
    async served() {
      child.stdin!.write('served\n');
      return Number(await nextLine());
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
