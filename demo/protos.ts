// The demo's protos, loaded once and typed by the generated ProtoGrpcType of each package,
// the same way a user of grpcclient would: loadProtos<T>() and no casts.
import { fileURLToPath } from 'node:url';
import { loadProtos } from '../src/index.ts';
import type { ProtoGrpcType as BookProto } from '../protos/gen/book.ts';
import type { ProtoGrpcType as HealthProto } from '../protos/gen/health.ts';
import type { ProtoGrpcType as OrderProto } from '../protos/gen/order.ts';
import type { ProtoGrpcType as UserProto } from '../protos/gen/user.ts';

const PROTO_DIR = fileURLToPath(new URL('../protos', import.meta.url));

type DemoProtos = BookProto & OrderProto & UserProto & HealthProto;

export const protos = loadProtos<DemoProtos>(['book.proto', 'order.proto', 'user.proto', 'grpc/health/v1/health.proto'], { includeDirs: [PROTO_DIR] });
export const { BookService } = protos.book.v1;
export const { OrderService } = protos.order.v1;
export const { UserService } = protos.user.v1;
export const { Health } = protos.grpc.health.v1;
