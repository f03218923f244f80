// Retry throttling (gRFC A6 retryThrottling): one token bucket per target, shared by every call of that
// target's channel, so a backend that is down gets its first attempts and not a storm of retries.
import type { RetryConfig } from '../config/types.ts';

export class RetryThrottle {
  private tokens: number;
  private readonly maxTokens: number;
  private readonly tokenRatio: number;

  constructor(config: Pick<RetryConfig, 'max_tokens' | 'token_ratio'>) {
    this.maxTokens = config.max_tokens;
    this.tokenRatio = config.token_ratio;
    this.tokens = config.max_tokens;
  }

  /** A6: retries are allowed only while tokens > maxTokens / 2. */
  allowsRetry(): boolean {
    return this.tokens > this.maxTokens / 2;
  }

  /** An attempt failed with a retryable code (or pushback said stop). */
  recordFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  /** An attempt succeeded. */
  recordSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }

  get available(): number {
    return this.tokens;
  }
}
