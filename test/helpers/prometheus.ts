// A real Prometheus (the Debian package) scraping one target every second, and its query API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadPort } from './servers.ts';

export interface RunningPrometheus {
  url: string;
  /** Runs an instant PromQL query; returns the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

export async function startPrometheus(scrapeTarget: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sdk\n    static_configs:\n      - targets: ['${scrapeTarget}']\n`);
  const port = await deadPort();
  const child: ChildProcess = spawn(PROMETHEUS_BINARY, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Prometheus logs this line once its HTTP API answers.
  await new Promise<void>((resolve, reject) => {
    const check = () => (log.includes('Server is ready to receive web requests') ? resolve() : undefined);
    child.stderr?.on('data', check);
    child.once('exit', (code) => reject(new Error(`prometheus exited with ${code}:\n${log}`)));
  });
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
      if (body.status !== 'success') throw new Error(`query failed: ${body.error}`);
      return body.data.result;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
