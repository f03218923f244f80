// Fails the demo early, before any process starts, when a port it would listen on is taken: one
// sentence naming the port and the environment variable that moves it, instead of a child's crash log.
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  readonly port: number;
  readonly envVar: string;

  constructor({ port, what, envVar, example }: WantedPort) {
    super(`Port ${port} (${what}) is already in use; set ${envVar} to move it, e.g. ${envVar}=${example} npm run demo`);
    this.name = 'PortInUseError';
    this.port = port;
    this.envVar = envVar;
  }
}

export interface WantedPort {
  port: number;
  /** What would listen there, e.g. "book-service gRPC". */
  what: string;
  envVar: string;
  /** A value to suggest, e.g. "0" (any free port) or another fixed port. */
  example: string;
}

/** Throws PortInUseError for the first wanted port (0 means any, and is skipped) that cannot be bound on `host`. */
export async function assertPortsFree(host: string, wanted: WantedPort[]): Promise<void> {
  for (const want of wanted) {
    if (want.port === 0) continue;
    if (!(await canListen(host, want.port))) throw new PortInUseError(want);
  }
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    // Only "in use" has the one-line answer; anything else (EACCES for a privileged port, ...) stays an error.
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
