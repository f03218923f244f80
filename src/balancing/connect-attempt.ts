// How far one endpoint's current connection attempt got (TCP, TLS), so a timed-out attempt can be
// described and really abandoned: grpc-js keeps the socket to itself, so channel credentials report it here.
import type { Socket } from 'node:net';
import { ChannelCredentials, type CallCredentials, type ChannelOptions, experimental } from '@grpc/grpc-js';

/**
 * Subchannel option carrying an endpoint's ConnectAttempt from the load-balancing policy to the
 * credentials' connector. grpc-js compares option values with ===, so one object per endpoint keeps
 * the subchannel pool reusing connections across re-resolutions.
 */
export const CONNECT_ATTEMPT_OPTION = 'grpcclient.connect_attempt';

export class ConnectAttempt {
  private socket: Socket | undefined;
  private secured = false;

  /** A new attempt starts: forget the last one's socket. */
  reset(): void {
    this.socket = undefined;
    this.secured = false;
  }

  tcpConnected(socket: Socket): void {
    this.socket = socket;
    this.secured = false;
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
  }

  secureDone(socket: Socket): void {
    if (this.socket === socket) this.secured = true;
  }

  /**
   * Says which step made no progress and closes the socket, which makes grpc-js fail the attempt and
   * back off as after any failed connect.
   */
  abandon(address: string, timeoutMs: number): string {
    const reason = this.describe(address, timeoutMs);
    this.socket?.destroy();
    this.socket = undefined;
    return reason;
  }

  private describe(address: string, timeoutMs: number): string {
    const within = `within ${timeoutMs}ms (connect_timeout); connection attempt abandoned`;
    if (!this.socket) return `TCP connect to ${address} did not complete ${within}`;
    if (!this.secured) return `${address} accepted TCP but did not complete the TLS handshake ${within}`;
    return `${address} accepted TCP but sent no HTTP/2 ${within}`;
  }

  /** grpc-js writes subchannel options as JSON in its traces; a socket must not end up there. */
  toJSON(): string {
    return 'grpcclient connect attempt';
  }
}

/**
 * Channel credentials that behave exactly like `inner` and also tell the endpoint's ConnectAttempt
 * when TCP is up and when TLS (if any) is done.
 */
export class AttemptTrackingCredentials extends ChannelCredentials {
  private readonly inner: ChannelCredentials;

  constructor(inner: ChannelCredentials) {
    super();
    this.inner = inner;
  }

  override compose(callCredentials: CallCredentials): ChannelCredentials {
    return new AttemptTrackingCredentials(this.inner.compose(callCredentials));
  }

  _isSecure(): boolean {
    return this.inner._isSecure();
  }

  _equals(other: ChannelCredentials): boolean {
    return other instanceof AttemptTrackingCredentials && this.inner._equals(other.inner);
  }

  _createSecureConnector(target: experimental.GrpcUri, options: ChannelOptions, callCredentials?: CallCredentials): experimental.SecureConnector {
    const connector = this.inner._createSecureConnector(target, options, callCredentials);
    const attempt: unknown = options[CONNECT_ATTEMPT_OPTION];
    if (!(attempt instanceof ConnectAttempt)) return connector;
    return {
      connect: (socket) =>
        new Promise((resolve, reject) => {
          attempt.tcpConnected(socket);
          // grpc-js's TLS connector fails only on a TLS error: a socket we close mid-handshake must fail it too.
          const closed = () => reject(new Error('connection closed before the TLS handshake completed'));
          socket.once('close', closed);
          connector.connect(socket).then(
            (result) => {
              socket.off('close', closed);
              attempt.secureDone(socket);
              resolve(result);
            },
            (error: unknown) => {
              socket.off('close', closed);
              reject(error);
            },
          );
        }),
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  }
}
