// 0a. The limit: calls made directly with channel.createCall on one channel (see channel-calls.ts).
import type { VariantFactory } from '../variant.ts';
import { channelCalls } from './channel-calls.ts';

export const create: VariantFactory = async ({ address }) => {
  const calls = channelCalls(address);
  return { unary: calls.unary, stream: calls.stream, traceRatio: 0, close: async () => calls.close() };
};
