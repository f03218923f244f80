// Hosts one demo gRPC server: binds it, can take it off the network for a while (the chaos
// scenario's outage, which is what moves client channels out of READY), and stops it gracefully.
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';

export interface HostedService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export class GrpcHost {
  private server: Server | undefined;
  private readonly services: HostedService[];
  private readonly host: string;
  private boundPort = 0;

  constructor(host: string, services: HostedService[]) {
    this.host = host;
    this.services = services;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Binds on `port` (0: any free port) and returns the port bound. */
  async start(port: number): Promise<number> {
    const server = new Server();
    for (const { definition, implementation } of this.services) server.addService(definition, implementation);
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${this.host}:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    this.server = server;
    return this.boundPort;
  }

  /** Drops every connection and stops listening for `ms`, then listens on the same port again. */
  async outage(ms: number): Promise<void> {
    this.server?.forceShutdown();
    this.server = undefined;
    await new Promise((resolve) => setTimeout(resolve, ms));
    await this.start(this.boundPort);
  }

  /** Lets in-flight calls finish for up to `graceMs`, then cancels the rest. */
  async stop(graceMs = 2_000): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
