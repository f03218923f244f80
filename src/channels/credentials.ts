// Channel credentials from the tls section: plaintext, server-authenticated TLS, or mutual TLS.
import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { ServiceConfig } from '../config/types.ts';
import { AttemptTrackingCredentials } from '../balancing/connect-attempt.ts';

export function channelCredentials(service: ServiceConfig): ChannelCredentials {
  // Tracking the connection attempts lets connect_timeout say which step stalled and close the socket.
  return new AttemptTrackingCredentials(baseCredentials(service));
}

function baseCredentials(service: ServiceConfig): ChannelCredentials {
  const { tls } = service;
  if (!tls.enabled) return credentials.createInsecure();
  const read = (file: string) => (file ? readFileSync(file) : null);
  // Without a CA file grpc-js verifies against Node's bundled root certificates.
  return credentials.createSsl(read(tls.ca_file), read(tls.key_file), read(tls.cert_file));
}
