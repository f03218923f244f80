// Attribute names the SDK writes on spans and metrics, in one place so the docs, the dashboards and
// the code cannot drift apart.

/** gRFC A66 metric attributes. */
export const GRPC_METHOD = 'grpc.method';
export const GRPC_TARGET = 'grpc.target';
export const GRPC_STATUS = 'grpc.status';
/** The configured (logical) service name, e.g. "book-service": not a gRPC standard attribute. */
export const GRPCCLIENT_SERVICE = 'grpcclient.service';

/** OpenTelemetry RPC semantic conventions (release candidate, v1.40+). */
export const RPC_SYSTEM_NAME = 'rpc.system.name';
export const RPC_METHOD = 'rpc.method';
export const RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
export const ERROR_TYPE = 'error.type';
/** Prefix of request metadata recorded on spans (semconv `rpc.request.metadata.<key>`). */
export const RPC_REQUEST_METADATA = 'rpc.request.metadata.';

/** gRFC A72 attempt-span and message-event attributes. */
export const PREVIOUS_RPC_ATTEMPTS = 'previous-rpc-attempts';
export const TRANSPARENT_RETRY = 'transparent-retry';
export const SEQUENCE_NUMBER = 'sequence-number';
export const MESSAGE_SIZE = 'message-size';

/** The SDK's own names: what gRPC does not standardise lives under this prefix. */
export const SDK_PREFIX = 'grpcclient';
export const ATTEMPT_NUMBER = `${SDK_PREFIX}.attempt`;

/** Semconv: the address and port of the replica that served an attempt (the channel target is server.address). */
export const NETWORK_PEER_ADDRESS = 'network.peer.address';
export const NETWORK_PEER_PORT = 'network.peer.port';
/** On attempt spans: true when the attempt was a hedge of a hedged call. */
export const HEDGE = `${SDK_PREFIX}.hedge`;
/** On attempt spans: true for a lost hedge, cancelled because another attempt of the call answered. */
export const SUPERSEDED = `${SDK_PREFIX}.superseded`;
