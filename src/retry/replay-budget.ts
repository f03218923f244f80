// The bytes of requests kept for replay (gRFC A6 retry buffer), bounded per call and per channel as
// grpc-js bounds its own (grpc.per_rpc_retry_buffer_size, grpc.retry_buffer_size). One per service,
// shared by its calls; a call that cannot reserve room for a request commits instead of keeping it.
import type { RetryConfig } from '../config/types.ts';

export class ReplayBudget {
  private readonly perCall: number;
  private readonly perChannel: number;
  private used = 0;

  constructor(config: Pick<RetryConfig, 'call_buffer_size' | 'channel_buffer_size'>) {
    // -1 is "no limit" in the config.
    this.perCall = config.call_buffer_size < 0 ? Infinity : config.call_buffer_size;
    this.perChannel = config.channel_buffer_size < 0 ? Infinity : config.channel_buffer_size;
  }

  /** Reserves `size` more bytes for a call that already holds `held`; false (nothing reserved) if either limit would be passed. */
  reserve(held: number, size: number): boolean {
    if (held + size > this.perCall || this.used + size > this.perChannel) return false;
    this.used += size;
    return true;
  }

  /** Gives back what a call held, once it committed or ended. */
  release(held: number): void {
    this.used -= held;
  }

  /** Bytes held by all calls of the service now. */
  get held(): number {
    return this.used;
  }
}
