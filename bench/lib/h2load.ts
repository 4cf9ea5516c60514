// Runs h2load (Debian's nghttp2-client) over HTTPS/HTTP/2 for a fixed time and reads its summary.
import { execFile } from 'node:child_process';
import { loadGenerator } from './cpu-layout.js';

export const H2LOAD_BIN = process.env.H2LOAD_BIN ?? '/usr/bin/h2load';

export interface H2loadResult {
  requestsPerSecond: number;
  succeeded: number;
  failed: number;
  /** Responses that were not 2xx or 3xx. */
  bad: number;
  raw: string;
}

export function runH2load(url: string, o: { connections: number; durationSeconds: number; headers: Record<string, string> }): Promise<H2loadResult> {
  // One thread like wrk -t1; one stream at a time per connection, so both tools keep the same number of requests in flight.
  const [bin, argv] = loadGenerator(H2LOAD_BIN, ['-t1', `-c${o.connections}`, '-m1', `-D${o.durationSeconds}`, ...Object.entries(o.headers).flatMap(([n, v]) => ['-H', `${n.toLowerCase()}: ${v}`]), url]);
  return new Promise((resolve, reject) => {
    execFile(bin, argv, { timeout: (o.durationSeconds + 30) * 1000, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      const rps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(stdout)?.[1];
      const requests = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(stdout);
      const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
      // h2load exits 1 when a request failed (one cut off at the end of -D on a loaded machine, say):
      // its summary still counts them, and the stage reports a run with failures as INVALID.
      if (!rps || !requests) return reject(new Error(error ? `h2load failed: ${error.message}\n${stderr}\n${stdout}` : `cannot read h2load output:\n${stdout}`));
      resolve({ requestsPerSecond: Number(rps), succeeded: Number(requests[1]), failed: Number(requests[2]), bad: codes ? Number(codes[3]) + Number(codes[4]) : 0, raw: stdout });
    });
  });
}
