// Turns a configured address into the target grpc-js dials and the canonical URI telemetry reports.
import { isIP } from 'node:net';
import { registerDnsResolver, RESOLVER_SCHEME } from './resolver-dns.ts';
import { enableXds, requireXdsBootstrap } from './resolver-xds.ts';

export interface ParsedTarget {
  /**
   * What grpc-js is given: a DNS name goes to the SDK's resolver (grpcclient-dns:, re-resolved every
   * resolve_interval); IP literals, ipv4:, ipv6: and unix: go to grpc-js's own resolvers, xds: to grpc-js-xds.
   */
  uri: string;
  /** Canonical form for the grpc.target attribute (gRFC A66): "host:port" becomes "dns:///host:port". */
  canonical: string;
  /** Host of the target as configured (not a resolved IP): the server.address span attribute. */
  host: string;
  /** Port, when the target has one to dial (unix sockets and xds names do not). */
  port?: number;
  /** The authority for TLS name checks: host without brackets. */
  authority: string;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\*):(\d+)$/;

function splitHostPort(hostPort: string): { host: string; port: number } {
  const match = HOST_PORT.exec(hostPort);
  if (!match) throw new Error(`"${hostPort}" is not host:port (a port is required, e.g. localhost:9002)`);
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new Error(`port ${port} is out of range 1-65535`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function fromHostPort(hostPort: string, scheme: 'dns' | 'ipv4' | 'ipv6', uri: string): ParsedTarget {
  const { host, port } = splitHostPort(hostPort);
  const canonical = scheme === 'dns' ? `dns:///${hostPort}` : uri;
  return { uri, canonical, host, port, authority: host };
}

/**
 * dns:[//dns-server/]name:port → grpcclient-dns:[//dns-server/]name:port. An IP literal names one
 * address forever, so it stays with grpc-js's dns resolver. Registering here means every URI this
 * module hands out can be dialled.
 */
function dnsUri(dnsServer: string | undefined, hostPort: string, host: string): string {
  if (isIP(host)) return dnsServer === undefined ? `dns:///${hostPort}` : `dns://${dnsServer}/${hostPort}`;
  registerDnsResolver();
  return `${RESOLVER_SCHEME}://${dnsServer ?? ''}/${hostPort}`;
}

/** Parses "host:port", "dns:///host:port", "ipv4:a.b.c.d:port", "ipv6:[::1]:port", "unix:/path" and "xds:///name"; throws with the reason. */
export function parseTarget(address: string): ParsedTarget {
  const value = address.trim();
  if (value === '') throw new Error('is required (host:port or a gRPC target URI)');
  if (/\s/.test(value)) throw new Error(`"${value}" contains white space`);

  if (value.startsWith('unix:')) {
    const path = value.startsWith('unix://') ? value.slice('unix://'.length) : value.slice('unix:'.length);
    if (!path.startsWith('/') && value.startsWith('unix://')) throw new Error(`"${value}" must use an absolute path (unix:///path)`);
    if (path === '') throw new Error(`"${value}" names no socket path`);
    return { uri: value, canonical: value, host: path, authority: 'localhost' };
  }
  if (value.startsWith('dns:')) {
    // dns:///host:port or dns://resolver-authority/host:port
    const match = /^dns:(?:\/\/([^/]*)\/)?(.+)$/.exec(value);
    if (!match) throw new Error(`"${value}" is not a dns target (dns:///host:port)`);
    const parsed = fromHostPort(match[2]!, 'dns', value);
    const dnsServer = match[1] === '' ? undefined : match[1];
    return { ...parsed, uri: dnsUri(dnsServer, match[2]!, parsed.host), canonical: value.startsWith('dns://') ? value : `dns:///${match[2]}` };
  }
  if (value.startsWith('xds:')) {
    // xds:///name (or xds://authority/name): a name the control plane resolves, never dialled itself,
    // so no port is given to connect diagnosis.
    const match = /^xds:\/\/[^/]*\/([^/]+)$/.exec(value);
    if (!match) throw new Error(`"${value}" is not an xds target (xds:///service-name)`);
    enableXds();
    requireXdsBootstrap();
    return { uri: value, canonical: value, host: match[1]!, authority: match[1]! };
  }
  if (value.startsWith('ipv4:') || value.startsWith('ipv6:')) {
    const scheme = value.slice(0, 4) as 'ipv4' | 'ipv6';
    const addresses = value.slice(5).split(',');
    const first = fromHostPort(addresses[0]!, scheme, value);
    for (const other of addresses.slice(1)) splitHostPort(other);
    return first;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new Error(`"${value}": scheme not supported (use host:port, dns:, ipv4:, ipv6:, unix: or xds:)`);
  }
  const parsed = fromHostPort(value, 'dns', `dns:///${value}`);
  return { ...parsed, uri: dnsUri(undefined, value, parsed.host) };
}
