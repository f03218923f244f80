// Draws one trace as a terminal waterfall: the span tree in start order, each span's service, name,
// a bar placed on the trace's timeline, its duration and status.
import { SPAN_KIND, type ReceivedSpan } from './otlp-receiver.ts';

const BAR_WIDTH = 32;
const KIND_LABEL: Record<number, string> = { [SPAN_KIND.SERVER]: 'server', [SPAN_KIND.CLIENT]: 'client', [SPAN_KIND.INTERNAL]: 'internal' };

export function renderWaterfall(spans: ReceivedSpan[]): string {
  if (spans.length === 0) return '(no spans)';
  const ids = new Set(spans.map((span) => span.spanId));
  const roots = spans.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
  const start = min(spans.map((span) => span.startNs));
  const end = max(spans.map((span) => span.endNs));
  const total = Number(end - start) || 1;

  const rows: string[][] = [];
  const visit = (span: ReceivedSpan, prefix: string, isLast: boolean, depth: number) => {
    const branch = depth === 0 ? '' : `${prefix}${isLast ? '└─ ' : '├─ '}`;
    const from = Math.floor((Number(span.startNs - start) / total) * BAR_WIDTH);
    const width = Math.max(1, Math.round((Number(span.endNs - span.startNs) / total) * BAR_WIDTH));
    const bar = ' '.repeat(from) + '█'.repeat(Math.min(width, BAR_WIDTH - from));
    rows.push([span.service, `${branch}${span.name} (${KIND_LABEL[span.kind] ?? 'span'})`, bar.padEnd(BAR_WIDTH), formatMs(span.endNs - span.startNs), statusOf(span)]);
    const children = childrenOf(spans, span.spanId);
    children.forEach((child, index) => visit(child, depth === 0 ? '' : `${prefix}${isLast ? '   ' : '│  '}`, index === children.length - 1, depth + 1));
  };
  sortByStart(roots).forEach((root, index, all) => visit(root, '', index === all.length - 1, 0));

  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const header = `trace ${spans[0]!.traceId}  ${spans.length} spans, ${formatMs(end - start)}`;
  return [header, ...rows.map(([service, name, bar, duration, status]) => `  ${service!.padEnd(widths[0]!)}  ${name!.padEnd(widths[1]!)}  │${bar}│ ${duration!.padStart(9)}  ${status}`)].join('\n');
}

function childrenOf(spans: ReceivedSpan[], spanId: string): ReceivedSpan[] {
  return sortByStart(spans.filter((span) => span.parentSpanId === spanId));
}

function sortByStart(spans: ReceivedSpan[]): ReceivedSpan[] {
  return [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
}

function statusOf(span: ReceivedSpan): string {
  const code = span.attributes['rpc.response.status_code'] ?? span.attributes['http.response.status_code'];
  if (span.statusCode === 2) return `ERROR ${span.statusMessage || code || ''}`.trim();
  return code === undefined ? 'OK' : String(code);
}

function formatMs(nanos: bigint): string {
  return `${(Number(nanos) / 1e6).toFixed(2)} ms`;
}

const min = (values: bigint[]) => values.reduce((a, b) => (b < a ? b : a));
const max = (values: bigint[]) => values.reduce((a, b) => (b > a ? b : a));
