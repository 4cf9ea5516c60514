// The switching run of bench/serve.ts: page loads from a worker thread while the live version of
// the site is switched back and forth with SiteTable.set, in the server's thread.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { SiteOptions } from '../../src/domain/desired-state.js';
import type { SiteTable } from '../../src/services/site-table.js';
import type { LoadResult } from './switch-load.js';

export interface SwitchRunOptions {
  sites: SiteTable;
  project: string;
  siteUrl: string;
  /** Two (or more) published versions, switched to in turn. */
  versions: { version: string; marker: string }[];
  site: SiteOptions;
  switches: number;
  intervalMs: number;
  concurrency: number;
}

export interface SwitchReport extends LoadResult {
  switches: number;
  /** Time the switches took, first to last. */
  switchingMs: number;
  /** Slowest single SiteTable.set (it persists live.json first). */
  slowestSwitchMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function switchRun(o: SwitchRunOptions): Promise<SwitchReport> {
  const shared = new SharedArrayBuffer(4);
  const generation = new Int32Array(shared);
  const pointer = (i: number) => ({ version: (o.versions[i % o.versions.length] as { version: string }).version, domains: [], site: o.site });
  await o.sites.set(o.project, pointer(0));
  const worker = new Worker(new URL('./switch-worker.js', import.meta.url), {
    workerData: { options: { siteUrl: o.siteUrl, concurrency: o.concurrency, markers: o.versions.map((v) => v.marker) }, generation: shared },
  });
  const failed = once(worker, 'error').then(([error]) => Promise.reject(error as Error));
  await Promise.race([once(worker, 'message'), failed]);
  const resultMessage = Promise.race([once(worker, 'message'), failed]);
  await sleep(500);
  const started = Date.now();
  let slowest = 0;
  for (let i = 1; i <= o.switches; i++) {
    const t0 = performance.now();
    Atomics.add(generation, 0, 1);
    await o.sites.set(o.project, pointer(i));
    Atomics.add(generation, 0, 1);
    slowest = Math.max(slowest, performance.now() - t0);
    await sleep(o.intervalMs);
  }
  const switchingMs = Date.now() - started;
  await sleep(500);
  worker.postMessage('stop');
  const [result] = (await resultMessage) as [LoadResult];
  await worker.terminate();
  return { ...result, switches: o.switches, switchingMs, slowestSwitchMs: Math.round(slowest) };
}
