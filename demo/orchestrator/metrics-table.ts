// The demo's per-service/method table, read from the grpcclient callers' Prometheus endpoints:
// calls, errors, attempts, hedges, p50/p99 call latency (gRFC A66/A96 names) and each channel's state
// (grpcclient.channel.state), so the terminal shows what a dashboard would; for a chaos phase, only
// what happened since the previous table. Under it, the replica lines of replica-lines.ts.
import { histogramQuantile, parsePrometheusText, type Sample } from './prometheus-text.ts';
import { renderReplicaLines, type ReplicaLine } from './replica-lines.ts';

export interface MethodRow {
  caller: string;
  service: string;
  method: string;
  calls: number;
  errors: number;
  attempts: number;
  /** Hedges sent (attempts after the first of hedged calls): the sum of grpc.client.call.hedges. */
  hedges: number;
  /** Cumulative call-duration buckets in seconds (upper bound → count), summed over grpc.status. */
  buckets: Map<number, number>;
}

export interface ChannelRow {
  caller: string;
  service: string;
  target: string;
  state: string;
}

export interface EndpointRow {
  caller: string;
  service: string;
  /** address:port */
  endpoint: string;
  state: string;
}

export interface MetricsSnapshot {
  methods: MethodRow[];
  channels: ChannelRow[];
  endpoints: EndpointRow[];
}

export const METRIC = {
  callDuration: 'grpc_client_call_duration',
  attemptStarted: 'grpc_client_attempt_started_total',
  callHedges: 'grpc_client_call_hedges',
  channelState: 'grpcclient_channel_state',
  endpointState: 'grpcclient_endpoint_state',
} as const;

export async function scrape(metricsUrls: Record<string, string>): Promise<MetricsSnapshot> {
  const snapshot: MetricsSnapshot = { methods: [], channels: [], endpoints: [] };
  for (const [caller, url] of Object.entries(metricsUrls)) {
    const samples = parsePrometheusText(await (await fetch(url)).text());
    snapshot.methods.push(...methodRows(caller, samples));
    snapshot.channels.push(...currentStates(caller, samples, METRIC.channelState).map(({ labels, ...row }) => ({ ...row, target: labels['grpc_target'] ?? '' })));
    snapshot.endpoints.push(...currentStates(caller, samples, METRIC.endpointState).map(({ labels, ...row }) => ({ ...row, endpoint: labels['endpoint'] ?? '' })));
  }
  return snapshot;
}

function methodRows(caller: string, samples: Sample[]): MethodRow[] {
  const rows = new Map<string, MethodRow>();
  const rowOf = (labels: Record<string, string>) => {
    const service = labels['grpcclient_service'] ?? labels['grpc_target'] ?? '';
    const method = labels['grpc_method'] ?? '';
    const key = `${service} ${method}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { caller, service, method, calls: 0, errors: 0, attempts: 0, hedges: 0, buckets: new Map() }));
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
    } else if (name === `${METRIC.callHedges}_sum`) {
      rowOf(labels).hedges += value;
    }
  }
  return [...rows.values()].sort((a, b) => `${a.service} ${a.method}`.localeCompare(`${b.service} ${b.method}`));
}

/** The series of a state gauge (one per state, 1 for the current one) reduced to the current state. */
function currentStates(caller: string, samples: Sample[], metric: string) {
  return samples
    .filter((sample) => sample.name === metric && sample.value === 1)
    .map(({ labels }) => ({ caller, service: labels['grpcclient_service'] ?? '', state: labels['state'] ?? '', labels }))
    .sort((a, b) => a.service.localeCompare(b.service));
}

/**
 * What happened between two scrapes: counters and buckets minus their earlier values, so a chaos
 * phase's table shows that phase's calls and latencies, not the whole run's. States stay current.
 */
export function since(now: MetricsSnapshot, before: MetricsSnapshot): MetricsSnapshot {
  const earlier = new Map(before.methods.map((row) => [`${row.caller} ${row.service} ${row.method}`, row]));
  const methods = now.methods.map((row) => {
    const old = earlier.get(`${row.caller} ${row.service} ${row.method}`);
    if (!old) return row;
    const buckets = new Map([...row.buckets].map(([le, count]) => [le, count - (old.buckets.get(le) ?? 0)]));
    return { ...row, calls: row.calls - old.calls, errors: row.errors - old.errors, attempts: row.attempts - old.attempts, hedges: row.hedges - old.hedges, buckets };
  });
  return { ...now, methods };
}

/** A method row's p50 or p99 call latency in ms, estimated from its buckets; undefined without calls. */
export function quantileMs(row: MethodRow, q: number): number | undefined {
  const seconds = histogramQuantile(q, [...row.buckets].map(([le, count]) => ({ le, count })));
  return seconds === undefined ? undefined : seconds * 1000;
}

export function renderTable(snapshot: MetricsSnapshot, replicas: ReplicaLine[] = []): string {
  const state = (caller: string, service: string) => snapshot.channels.find((channel) => channel.caller === caller && channel.service === service)?.state ?? '-';
  const ms = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));
  const header = ['caller', 'service', 'method', 'calls', 'errors', 'attempts', 'hedges', 'p50 ms', 'p99 ms', 'channel'];
  const rows = snapshot.methods
    .filter((row) => row.calls > 0 || row.attempts > 0)
    .map((row) => [row.caller, row.service, row.method, String(row.calls), String(row.errors), String(row.attempts), String(row.hedges), ms(quantileMs(row, 0.5)), ms(quantileMs(row, 0.99)), state(row.caller, row.service)]);
  // Channels with no calls yet still get a line, so every channel's state is visible.
  for (const channel of snapshot.channels) {
    if (!rows.some(([caller, service]) => caller === channel.caller && service === channel.service)) {
      rows.push([channel.caller, channel.service, '(no calls)', '0', '0', '0', '0', '-', '-', channel.state]);
    }
  }
  const numeric = new Set([3, 4, 5, 6, 7, 8]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), line(widths.map((width) => '─'.repeat(width))), ...rows.map(line), `  ${LATENCY_NOTE}`, ...renderReplicaLines(snapshot.endpoints, replicas)].join('\n');
}

/**
 * The table's latencies come from histogram buckets, not from individual calls: a p99 between two bucket
 * bounds (say 5 and 10 ms) is interpolated, so it can be off by up to the width of that bucket.
 */
export const LATENCY_NOTE = 'p50/p99: estimates from the call-duration histogram buckets (interpolated within a bucket, as PromQL histogram_quantile), not exact';
