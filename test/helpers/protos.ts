// The demo protos loaded once, typed by the generated ProtoGrpcType of each package.
import { fileURLToPath } from 'node:url';
import { loadProtos } from '../../src/index.ts';
import type { ProtoGrpcType as BookProto } from '../../protos/gen/book.ts';
import type { ProtoGrpcType as HealthProto } from '../../protos/gen/health.ts';
import type { ProtoGrpcType as OrderProto } from '../../protos/gen/order.ts';
import type { ProtoGrpcType as UserProto } from '../../protos/gen/user.ts';

export const PROTO_DIR = fileURLToPath(new URL('../../protos', import.meta.url));

type AllProtos = BookProto & OrderProto & UserProto & HealthProto;

export const protos: AllProtos = loadProtos<AllProtos>(['book.proto', 'order.proto', 'user.proto', 'grpc/health/v1/health.proto'], { includeDirs: [PROTO_DIR] });
export const { BookService } = protos.book.v1;
export const { OrderService } = protos.order.v1;
export const { UserService } = protos.user.v1;
