// A real Prometheus (the Debian package's `prometheus` on PATH) on a free loopback port, scraping
// what it is told every second, with its data in a temporary folder; and its query API.
// Tests that use it register through testNeeding([PROMETHEUS], ...) (tools.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './demo-ports.ts';
import { PROMETHEUS } from './tools.ts';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  url: string;
  /** Instant query; the result vector. Throws with Prometheus's message on a PromQL error. */
  query(promql: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

/** One entry of prometheus.yml's scrape_configs, as Prometheus spells it. */
export interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
  honor_labels?: boolean;
  metric_relabel_configs?: Record<string, unknown>[];
}

/** A scrape job over the hosts of some /metrics URLs. */
export function scrapeJob(jobName: string, urls: readonly string[]): ScrapeConfig {
  return { job_name: jobName, static_configs: [{ targets: urls.map((url) => new URL(url).host) }] };
}

export async function startPrometheus(scrapeConfigs: readonly ScrapeConfig[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: scrapeConfigs }));
  const port = await freePort();
  const child = spawn(PROMETHEUS.command, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // Prometheus logs this line once its HTTP API answers; an exit (or a failed spawn) before it is an error.
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes('Server is ready to receive web requests')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`prometheus exited before it was ready:\n${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    query: async (promql) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { result: Sample[] } };
      if (body.status !== 'success') throw new Error(`query failed: ${body.error}\n${promql}`);
      return body.data?.result ?? [];
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
