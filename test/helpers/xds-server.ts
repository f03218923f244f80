// A minimal xDS management server (ADS, state of the world) on loopback for tests: one listener routing
// every call to one EDS cluster whose endpoints a test sets, using the envoy protos @grpc/grpc-js-xds ships.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Server, ServerCredentials, loadPackageDefinition, type ServerDuplexStream, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const TYPES = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoints: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

interface DiscoveryRequest {
  type_url: string;
  version_info: string;
  response_nonce: string;
  resource_names: string[];
}

export interface TestXdsServer {
  /** The bootstrap JSON for GRPC_XDS_BOOTSTRAP_CONFIG pointing at this server. */
  readonly bootstrap: string;
  /** Sets the endpoints (host:port) of the service's cluster; connected clients get the update at once. */
  setEndpoints(addresses: string[]): void;
  close(): Promise<void>;
}

function loadAds(): ServiceClientConstructor {
  const deps = join(dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const definition = loadSync(
    [
      'envoy/service/discovery/v3/ads.proto',
      'envoy/config/listener/v3/listener.proto',
      'envoy/config/cluster/v3/cluster.proto',
      'envoy/config/endpoint/v3/endpoint.proto',
      'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
      'envoy/extensions/filters/http/router/v3/router.proto',
    ],
    { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => join(deps, dir)) },
  );
  const root = loadPackageDefinition(definition) as GrpcObject;
  const v3 = ((((root['envoy'] as GrpcObject)['service'] as GrpcObject)['discovery'] as GrpcObject)['v3'] as GrpcObject);
  return v3['AggregatedDiscoveryService'] as ServiceClientConstructor;
}

/** An Envoy route retry policy, which grpc-js-xds turns into a native grpc-js retryPolicy. */
export interface RouteRetryPolicy {
  /** Comma-separated Envoy retry conditions, e.g. "unavailable". */
  retryOn: string;
  numRetries: number;
}

/** Serves `serviceName` (the xds:///<serviceName> target) from one cluster, its route retrying as `retry` says. */
export async function startXdsServer(serviceName: string, retry?: RouteRetryPolicy): Promise<TestXdsServer> {
  const ads = loadAds();
  const cluster = `${serviceName}-cluster`;
  let endpoints: string[] = [];
  let version = 1;
  const streams = new Set<{ send(typeUrl: string): void }>();

  const resources = (typeUrl: string): object[] => {
    if (typeUrl === TYPES.listener) {
      const retryPolicy = retry ? { retry_policy: { retry_on: retry.retryOn, num_retries: { value: retry.numRetries } } } : {};
      const routeConfig = { name: 'route', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster, ...retryPolicy } }] }] };
      const hcm = { '@type': HCM, route_config: routeConfig, http_filters: [{ name: 'router', typed_config: { '@type': ROUTER } }] };
      return [{ '@type': TYPES.listener, name: serviceName, api_listener: { api_listener: hcm } }];
    }
    if (typeUrl === TYPES.cluster) {
      return [{ '@type': TYPES.cluster, name: cluster, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: cluster }, lb_policy: 'ROUND_ROBIN' }];
    }
    if (typeUrl === TYPES.endpoints) {
      const lbEndpoints = endpoints.map((address) => {
        const [host, port] = address.split(':');
        return { endpoint: { address: { socket_address: { address: host, port_value: Number(port) } } }, health_status: 'HEALTHY' };
      });
      const locality = { locality: { region: 'test', zone: 'test', sub_zone: 'test' }, load_balancing_weight: { value: 1 }, lb_endpoints: lbEndpoints };
      return [{ '@type': TYPES.endpoints, cluster_name: cluster, endpoints: [locality] }];
    }
    return [];
  };

  const server = new Server();
  server.addService(ads.service, {
    StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, object>) => {
      const sent = new Map<string, number>(); // type → version sent on this stream
      const stream = {
        send(typeUrl: string) {
          sent.set(typeUrl, version);
          call.write({ version_info: String(version), type_url: typeUrl, nonce: `${typeUrl}-${version}`, resources: resources(typeUrl) });
        },
      };
      streams.add(stream);
      call.on('data', (request: DiscoveryRequest) => {
        // State of the world: answer a subscription we have not answered at this version; ACKs need nothing.
        if (request.resource_names.length > 0 && sent.get(request.type_url) !== version) stream.send(request.type_url);
      });
      call.on('end', () => call.end());
      call.on('close', () => streams.delete(stream));
      call.on('error', () => streams.delete(stream));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));

  return {
    bootstrap: JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'grpcclient-test', locality: {} },
    }),
    setEndpoints(addresses) {
      endpoints = [...addresses];
      version += 1;
      for (const stream of streams) stream.send(TYPES.endpoints);
    },
    close: () => new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
}
