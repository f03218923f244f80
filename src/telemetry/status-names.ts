// gRPC status codes by name, the form every signal uses (grpc.status, rpc.response.status_code, logs).
import { status as Status } from '@grpc/grpc-js';

export function statusName(code: Status): string {
  return Status[code] ?? `CODE_${code}`;
}
