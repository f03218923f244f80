// The demo's per-service/method table, read from the grpcclient callers' Prometheus endpoints:
// calls, errors, attempts, p50/p99 call latency (gRFC A66 names) and each channel's state
// (grpcclient.channel.state), so the terminal shows what a dashboard would.
import { histogramQuantile, parsePrometheusText, type Sample } from './prometheus-text.ts';

export interface MethodRow {
  caller: string;
  service: string;
  method: string;
  calls: number;
  errors: number;
  attempts: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface ChannelRow {
  caller: string;
  service: string;
  target: string;
  state: string;
}

export interface MetricsSnapshot {
  methods: MethodRow[];
  channels: ChannelRow[];
}

export const METRIC = {
  callDuration: 'grpc_client_call_duration',
  attemptStarted: 'grpc_client_attempt_started_total',
  channelState: 'grpcclient_channel_state',
} as const;

export async function scrape(metricsUrls: Record<string, string>): Promise<MetricsSnapshot> {
  const snapshot: MetricsSnapshot = { methods: [], channels: [] };
  for (const [caller, url] of Object.entries(metricsUrls)) {
    const samples = parsePrometheusText(await (await fetch(url)).text());
    snapshot.methods.push(...methodRows(caller, samples));
    snapshot.channels.push(...channelRows(caller, samples));
  }
  return snapshot;
}

function methodRows(caller: string, samples: Sample[]): MethodRow[] {
  const rows = new Map<string, MethodRow & { buckets: Map<number, number> }>();
  const rowOf = (labels: Record<string, string>) => {
    const service = labels['grpcclient_service'] ?? labels['grpc_target'] ?? '';
    const method = labels['grpc_method'] ?? '';
    const key = `${service} ${method}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { caller, service, method, calls: 0, errors: 0, attempts: 0, buckets: new Map() }));
    return row;
  };
  for (const { name, labels, value } of samples) {
    if (name === `${METRIC.callDuration}_count`) {
      const row = rowOf(labels);
      row.calls += value;
      if (labels['grpc_status'] !== 'OK') row.errors += value;
    } else if (name === `${METRIC.callDuration}_bucket`) {
      const le = labels['le'] === '+Inf' ? Infinity : Number(labels['le']);
      const buckets = rowOf(labels).buckets;
      buckets.set(le, (buckets.get(le) ?? 0) + value); // summed over grpc_status
    } else if (name === METRIC.attemptStarted) {
      rowOf(labels).attempts += value;
    }
  }
  return [...rows.values()]
    .filter((row) => row.calls > 0 || row.attempts > 0)
    .map(({ buckets, ...row }) => {
      const cumulative = [...buckets].map(([le, count]) => ({ le, count }));
      const p50 = histogramQuantile(0.5, cumulative);
      const p99 = histogramQuantile(0.99, cumulative);
      return { ...row, ...(p50 === undefined ? {} : { p50Ms: p50 * 1000 }), ...(p99 === undefined ? {} : { p99Ms: p99 * 1000 }) };
    })
    .sort((a, b) => `${a.service} ${a.method}`.localeCompare(`${b.service} ${b.method}`));
}

function channelRows(caller: string, samples: Sample[]): ChannelRow[] {
  return samples
    .filter((sample) => sample.name === METRIC.channelState && sample.value === 1)
    .map(({ labels }) => ({ caller, service: labels['grpcclient_service'] ?? '', target: labels['grpc_target'] ?? '', state: labels['state'] ?? '' }))
    .sort((a, b) => a.service.localeCompare(b.service));
}

export function renderTable(snapshot: MetricsSnapshot): string {
  const state = (caller: string, service: string) => snapshot.channels.find((channel) => channel.caller === caller && channel.service === service)?.state ?? '-';
  const header = ['caller', 'service', 'method', 'calls', 'errors', 'attempts', 'p50 ms', 'p99 ms', 'channel'];
  const rows = snapshot.methods.map((row) => [
    row.caller,
    row.service,
    row.method,
    String(row.calls),
    String(row.errors),
    String(row.attempts),
    row.p50Ms === undefined ? '-' : row.p50Ms.toFixed(2),
    row.p99Ms === undefined ? '-' : row.p99Ms.toFixed(2),
    state(row.caller, row.service),
  ]);
  // Channels with no calls yet still get a line, so every channel's state is visible.
  for (const channel of snapshot.channels) {
    if (!snapshot.methods.some((row) => row.caller === channel.caller && row.service === channel.service)) {
      rows.push([channel.caller, channel.service, '(no calls)', '0', '0', '0', '-', '-', channel.state]);
    }
  }
  const numeric = new Set([3, 4, 5, 6, 7]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), line(widths.map((width) => '─'.repeat(width))), ...rows.map(line), `  ${LATENCY_NOTE}`].join('\n');
}

/**
 * The table's latencies come from histogram buckets, not from individual calls: a p99 between two bucket
 * bounds (say 5 and 10 ms) is interpolated, so it can be off by up to the width of that bucket.
 */
export const LATENCY_NOTE = 'p50/p99: estimates from the call-duration histogram buckets (interpolated within a bucket, as PromQL histogram_quantile), not exact';
