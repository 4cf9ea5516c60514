// The HTTPS part of bench/serve: the same cases over TLS with the same certificate, HTTP/1.1 with
// wrk and HTTP/2 with h2load, against `opus server` (the CLI's process), nginx (ssl, http2) and
// Caddy (precompressed br). Target: opus server ≥ 1.0× Caddy; nginx's ratio is reported beside it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runH2load } from './h2load.js';
import type { Case, ServerName } from './serve-cases.js';
import { inTurn, median, pairedRatio, runWrk } from './wrk.js';

/** The name the certificate is for and every client asks (it resolves to 127.0.0.1 only, from /etc/hosts). */
export const TLS_HOST = 'localhost';
export const CADDY_TARGET = 1.0;

/** One self-signed certificate for every server of the run (P-256, as Opus's ACME orders). */
export function benchCertificate(dir: string): { certPath: string; keyPath: string } {
  const certPath = join(dir, 'localhost.crt');
  const keyPath = join(dir, 'localhost.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${TLS_HOST}`, '-addext', `subjectAltName=DNS:${TLS_HOST}`, '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
  return { certPath, keyPath };
}

export interface TlsServer {
  name: ServerName;
  httpsPort: number;
}

export interface TlsRunOptions {
  runs: number;
  durationSeconds: number;
  connections: number;
}

type Tool = 'wrk HTTP/1.1' | 'h2load HTTP/2';
const TOOLS: Tool[] = ['wrk HTTP/1.1', 'h2load HTTP/2'];

async function once(tool: Tool, server: TlsServer, c: Case, o: TlsRunOptions, durationSeconds: number): Promise<{ rps: number; problem?: string }> {
  const url = `https://${TLS_HOST}:${server.httpsPort}${c.path}`;
  const headers = c.headers(server.name);
  if (tool === 'wrk HTTP/1.1') {
    const r = await runWrk(url, { threads: 1, connections: o.connections, durationSeconds, headers });
    const problem = r.non2xx3xx || r.socketErrors ? `${r.non2xx3xx} non-2xx/3xx, ${r.socketErrors} socket errors` : undefined;
    return { rps: r.requestsPerSecond, ...(problem ? { problem } : {}) };
  }
  const r = await runH2load(url, { connections: o.connections, durationSeconds, headers });
  const problem = r.failed || r.bad ? `${r.failed} failed, ${r.bad} 4xx/5xx` : undefined;
  return { rps: r.requestsPerSecond, ...(problem ? { problem } : {}) };
}

/** Measures every case with both tools on every server (alternating), prints the table; true when every required ratio meets the target. */
export async function httpsStage(servers: TlsServer[], cases: Case[], o: TlsRunOptions, load: () => string): Promise<boolean> {
  const rows: { c: Case; tool: Tool; rps: Map<ServerName, number[]>; problems: string[] }[] = [];
  for (const tool of TOOLS) for (const c of cases) rows.push({ c, tool, rps: new Map(), problems: [] });
  for (const row of rows) for (const s of servers) await once(row.tool, s, row.c, o, 1); // warm-up, not measured
  for (const row of rows) {
    for (let run = 1; run <= o.runs; run++) {
      for (const s of inTurn(servers, run)) {
        const r = await once(row.tool, s, row.c, o, o.durationSeconds);
        row.rps.set(s.name, [...(row.rps.get(s.name) ?? []), r.rps]);
        if (r.problem) row.problems.push(`${s.name} run ${run}: ${r.problem}`);
        process.stdout.write(`  ${row.tool} ${row.c.id} run ${run} ${s.name.padEnd(12)} ${Math.round(r.rps).toLocaleString('en-US').padStart(8)} req/s\n`);
      }
    }
  }
  console.log(`\nHTTPS results (median req/s, same certificate; each ratio the median of the per-run ratios; load average now ${load()}):`);
  const head = ['tool', 'case', 'caddy', 'nginx', 'opus server', 'opus/caddy', 'target', 'opus/nginx', 'result'];
  let ok = true;
  const lines = rows.map((row) => {
    const [caddy, nginx, opus] = (['caddy', 'nginx', 'opus server'] as const).map((n) => (row.rps.get(n) ? median(row.rps.get(n) ?? []) : undefined));
    const vsCaddy = pairedRatio(row.rps.get('opus server'), row.rps.get('caddy'));
    const vsNginx = pairedRatio(row.rps.get('opus server'), row.rps.get('nginx'));
    const pass = row.problems.length === 0 && vsCaddy !== undefined && vsCaddy >= CADDY_TARGET;
    if (row.c.required && !pass) ok = false;
    const fmt = (n: number | undefined) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
    return [row.tool, `${row.c.id}) ${row.c.title}`, fmt(caddy), fmt(nginx), fmt(opus), vsCaddy?.toFixed(2) ?? '—', row.c.required ? CADDY_TARGET.toFixed(2) : '—', vsNginx?.toFixed(2) ?? '—', row.problems.length ? 'INVALID' : !row.c.required ? 'info' : pass ? 'PASS' : 'FAIL'];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const print = (cells: string[]) => console.log(cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  '));
  print(head);
  print(widths.map((w) => '-'.repeat(w)));
  lines.forEach(print);
  for (const row of rows) for (const p of row.problems) console.log(`  ! ${row.tool} ${row.c.id}: ${p}`);
  return ok;
}
