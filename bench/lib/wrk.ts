// Runs wrk and reads its summary: requests/s, transfer/s, non-2xx/3xx answers and socket errors.
import { execFile } from 'node:child_process';
import { loadGenerator } from './cpu-layout.js';

export const WRK_BIN = process.env.WRK_BIN ?? '/usr/bin/wrk';

export interface WrkOptions {
  threads: number;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  transferPerSecond: string;
  latencyAvg: string;
  non2xx3xx: number;
  socketErrors: number;
  raw: string;
}

export function wrkArgs(url: string, o: WrkOptions): string[] {
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.durationSeconds}s`, '--latency'];
  for (const [name, value] of Object.entries(o.headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  return args;
}

export function runWrk(url: string, o: WrkOptions): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const [bin, args] = loadGenerator(WRK_BIN, wrkArgs(url, o));
    execFile(bin, args, { timeout: (o.durationSeconds + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      try {
        resolve(parseWrk(stdout));
      } catch (parseError) {
        reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
      }
    });
  });
}

export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const total = /(\d+) requests in/.exec(out)?.[1];
  if (rps === undefined || total === undefined) throw new Error(`cannot read wrk output:\n${out}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Number(rps),
    requests: Number(total),
    transferPerSecond: /Transfer\/sec:\s+(\S+)/.exec(out)?.[1] ?? '?',
    latencyAvg: /Latency\s+(\S+)/.exec(out)?.[1] ?? '?',
    non2xx3xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0,
    raw: out,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The servers in the order of run `run` (from 1): every other run reversed, so a drift of the machine's speed over the runs weighs alike on all. */
export function inTurn<T>(servers: T[], run: number): T[] {
  return run % 2 === 1 ? servers : [...servers].reverse();
}

/**
 * The ratio of two servers measured run by run (each run of `a` beside the same run of `b`): the
 * median of the per-run ratios, so what drifts between runs (another VM on the host, the CPU's
 * clock) cancels within each pair instead of landing on whichever server had the slower runs.
 */
export function pairedRatio(a: number[] | undefined, b: number[] | undefined): number | undefined {
  if (!a?.length || !b?.length || a.length !== b.length) return undefined;
  return median(a.map((value, i) => value / (b[i] as number)));
}
