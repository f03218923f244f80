// 0b. The limit with metrics: channel.createCall, plus the five A66 records of a one-attempt call into
// grpcclient's own pre-aggregated series (no attribute hashing). What any instrumented client could reach.
import { AggregatingRecorder } from '../../src/telemetry/call-metrics.ts';
import type { VariantFactory } from '../variant.ts';
import { channelCalls } from './channel-calls.ts';

export const create: VariantFactory = async ({ address }) => {
  const series = new AggregatingRecorder(`dns:///${address}`, 'book').series('book.v1.BookService/GetBook');
  const calls = channelCalls(address, {
    started: () => series.attemptStarted(),
    ended: (code, seconds, sentBytes, rcvdBytes) => {
      series.attemptEnded(code, seconds, sentBytes, rcvdBytes);
      series.callEnded(code, seconds, 0, 0, 0, 0);
    },
  });
  return { unary: calls.unary, stream: calls.stream, traceRatio: 0, close: async () => calls.close() };
};
