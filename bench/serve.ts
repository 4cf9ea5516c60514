// Serving benchmark: Opus against nginx and Caddy serving the same published version directory, with
// wrk, on this machine in this run: in-process (createOpusServer: its fast path, then node:http) and
// `opus server` as the CLI starts it (its own process, sync loop, API and metrics running), over
// plain HTTP and over HTTPS (HTTP/1.1 with wrk, HTTP/2 with h2load, one certificate for all); then a
// switching run that checks no page load ever gets a mix of two versions while the live version flips.
//
//   npm run bench:serve [-- --strict] [-- --runs 3 --duration 8 --connections 50 --no-floor --no-pin --skip-plain --skip-https --skip-switch]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { isCompressible } from '../src/domain/compressible.js';
import { describeLayout, pinServers, unpinServers } from './lib/cpu-layout.js';
import { startCaddy, writeBrotliBeside, type Caddy } from './lib/caddy.js';
import { benchCertificate, httpsStage, TLS_HOST } from './lib/https-stage.js';
import { NGINX_BIN, startNginx, writeGzipBeside, type Nginx } from './lib/nginx.js';
import { startOpusProcess, type OpusProcess } from './lib/opus-cli.js';
import { freePort } from '../test/support/free-port.js';
import { plainSite, publishVersion, startOpus, type OpusServer } from './lib/opus.js';
import { startNetReplay, startReplay, type ReplayServer } from './lib/replay-server.js';
import { fetchOnce, serveCases, verifyCase, type Case, type ServerName } from './lib/serve-cases.js';
import { serveSite } from './lib/sites.js';
import { switchRun, type SwitchReport } from './lib/switch-run.js';
import { inTurn, median, pairedRatio, runWrk, WRK_BIN, type WrkOptions } from './lib/wrk.js';

/** `opus server` (the CLI's process) against Caddy and against the node:net floor, on every case. */
const CADDY_TARGET = 1.0;
const FLOOR_TARGET = 0.95;
const { values: flags } = parseArgs({
  options: {
    strict: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    switches: { type: 'string', default: '100' },
    'no-floor': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    'skip-wrk': { type: 'boolean', default: false },
    'skip-plain': { type: 'boolean', default: false },
    'skip-switch': { type: 'boolean', default: false },
    'skip-https': { type: 'boolean', default: false },
    cases: { type: 'string', default: 'a,b,c,b2' },
  },
});
const runs = Number(flags.runs);
const wrkOptions = (headers: Record<string, string>): WrkOptions => ({ threads: 1, connections: Number(flags.connections), durationSeconds: Number(flags.duration), headers });

interface Row {
  c: Case;
  rps: Partial<Record<ServerName, number[]>>;
  problems: string[];
}

const fmt = (n: number | undefined) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
/** Other work on the machine takes cores from the servers and from wrk alike: say so next to the numbers. */
const busyWarning = () =>
  (loadavg()[0] ?? 0) > cpus().length ? `  ! the machine is busy (1-minute load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores): runs vary a lot; compare medians of several runs, or rerun when it is idle` : undefined;

interface Measured {
  name: ServerName;
  port: number;
  /** The floors that do not read the request are told which case comes next. */
  select?: (c: Case) => void;
}

async function measure(servers: Measured[], cases: Case[]): Promise<Row[]> {
  const rows: Row[] = cases.map((c) => ({ c, rps: {}, problems: [] }));
  // Short warm-up of every server on every case (JIT, caches), not measured.
  for (const c of cases) {
    for (const s of servers) {
      s.select?.(c);
      await runWrk(`http://127.0.0.1:${s.port}${c.path}`, { ...wrkOptions(c.headers(s.name)), durationSeconds: 1 });
    }
  }
  for (const row of rows) {
    for (let run = 1; run <= runs; run++) {
      for (const s of inTurn(servers, run)) {
        s.select?.(row.c);
        const result = await runWrk(`http://127.0.0.1:${s.port}${row.c.path}`, wrkOptions(row.c.headers(s.name)));
        (row.rps[s.name] ??= []).push(result.requestsPerSecond);
        if (result.non2xx3xx > 0) row.problems.push(`${s.name} run ${run}: ${result.non2xx3xx} non-2xx/3xx responses`);
        if (result.socketErrors > 0) row.problems.push(`${s.name} run ${run}: ${result.socketErrors} socket errors`);
        process.stdout.write(`  ${row.c.id} run ${run} ${s.name.padEnd(15)} ${fmt(result.requestsPerSecond).padStart(8)} req/s  ${result.transferPerSecond}/s  latency avg ${result.latencyAvg}\n`);
      }
    }
  }
  return rows;
}

function printTable(rows: Row[], withFloor: boolean): boolean {
  const head = ['case', 'nginx', 'caddy', 'opus', 'opus server', 'server/caddy', 'server/net floor', 'server/nginx', 'result', 'opus/nginx', ...(withFloor ? ['node:http floor', 'node:net floor', 'net floor/nginx'] : [])];
  const verdicts = rows.map(({ c, rps, problems }) => {
    const [n, caddy, o, cli, h, f] = [rps.nginx, rps.caddy, rps.opus, rps['opus server'], rps['node:http floor'], rps['node:net floor']].map((v) => (v ? median(v) : undefined));
    const ratio = (a: ServerName, b: ServerName) => pairedRatio(rps[a], rps[b]);
    const vsCaddy = ratio('opus server', 'caddy');
    const vsFloor = ratio('opus server', 'node:net floor');
    const pass = problems.length === 0 && vsCaddy !== undefined && vsCaddy >= CADDY_TARGET && (!withFloor || (vsFloor !== undefined && vsFloor >= FLOOR_TARGET));
    const result = problems.length ? 'INVALID' : !c.required ? 'info' : pass ? 'PASS' : 'FAIL';
    const cells = [`${c.id}) ${c.title}`, fmt(n), fmt(caddy), fmt(o), fmt(cli), vsCaddy?.toFixed(2) ?? '—', vsFloor?.toFixed(2) ?? '—', ratio('opus server', 'nginx')?.toFixed(2) ?? '—', result, ratio('opus', 'nginx')?.toFixed(2) ?? '—', ...(withFloor ? [fmt(h), fmt(f), ratio('node:net floor', 'nginx')?.toFixed(2) ?? '—'] : [])];
    return { cells, ok: !c.required || pass };
  });
  const lines = verdicts.map((v) => v.cells);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const print = (cells: string[]) => console.log(cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  '));
  print(head);
  print(widths.map((w) => '-'.repeat(w)));
  lines.forEach(print);
  console.log(`targets: opus server ≥ ${CADDY_TARGET.toFixed(2)}× caddy${withFloor ? ` and ≥ ${FLOOR_TARGET.toFixed(2)}× the node:net floor` : ''} on every required case; opus = the in-process server, shown with its ratio to nginx`);
  for (const { c, problems } of rows) for (const p of problems) console.log(`  ! ${c.id}: ${p}`);
  return verdicts.every((v) => v.ok);
}

function printSwitch(r: SwitchReport): boolean {
  const other = r.failed - r.staleAfterSwitch;
  console.log(`  switches:                 ${r.switches} in ${(r.switchingMs / 1000).toFixed(1)} s (slowest SiteTable.set ${r.slowestSwitchMs} ms)`);
  console.log(`  requests:                 ${r.requests} (${r.pages} page loads: ${Object.entries(r.byMarker).map(([m, n]) => `${n} of ${m}`).join(', ')}) in ${(r.durationMs / 1000).toFixed(1)} s`);
  console.log(`  failed requests:          ${r.failed}`);
  console.log(`    of which 404 of a page's JS after a switch: ${r.staleAfterSwitch} (page from the old version, its JS gone from the new one)`);
  console.log(`    of which anything else:                     ${other}`);
  console.log(`  mixed (HTML ≠ JS marker): ${r.mixed}`);
  console.log(`  wrong (neither version):  ${r.wrong}`);
  for (const sample of r.samples) console.log(`    e.g. ${sample}`);
  const ok = r.failed === 0 && r.mixed === 0 && r.wrong === 0;
  console.log(`  result: ${ok ? 'PASS' : 'FAIL'} (failed, mixed and wrong must all be 0)`);
  return ok;
}

async function main(): Promise<number> {
  const tmp = await mkdtemp(join(tmpdir(), 'opus-bench-serve-'));
  let opus: OpusServer | undefined;
  let nginx: Nginx | undefined;
  let caddy: Caddy | undefined;
  let cli: OpusProcess | undefined;
  let floors: ReplayServer[] = [];
  const stopAll = async () => {
    await nginx?.stop();
    await caddy?.stop();
    await cli?.stop();
    for (const floor of floors) await floor.close();
    await opus?.close();
    await rm(tmp, { recursive: true, force: true });
  };
  // nginx is a child process: stop it on Ctrl-C or kill too, not only on a normal end.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)));
  try {
    // Before any server starts, so each inherits the servers' core.
    if (!flags['no-pin']) pinServers();
    const nginxVersion = spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8' }).stderr.trim().replace(/^nginx version: /, '') || 'nginx';
    console.log('Opus serving benchmark');
    console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${load()}; node ${process.version}; ${nginxVersion}; wrk ${WRK_BIN}`);
    console.log(`nginx, Opus${flags['no-floor'] ? '' : ' and the two floors (node:http, node:net)'} run on this same machine in this same run, one process each, measured in turn (each run in the reverse order of the one before, so a slow drift of the machine weighs on all alike) with wrk -t1 -c${flags.connections} -d${flags.duration}s; median of ${runs} runs.`);
    console.log(`cores: ${describeLayout()}`);

    const site = serveSite('A');
    opus = await startOpus(join(tmp, 'artifacts'));
    const versionDir = await publishVersion(opus.store, 'site', '1.0.0', site.files);
    await opus.sites.set('site', { version: '1.0.0', domains: [], site: plainSite });
    const gz = await writeGzipBeside(versionDir, isCompressible);
    const br = await writeBrotliBeside(versionDir);
    const certs = await mkdtemp(join(tmp, 'certs-'));
    const tls = benchCertificate(certs);
    nginx = await startNginx({ tempDir: await mkdtemp(join(tmp, 'nginx-')), port: await freePort(), urlPrefix: '/site/', dir: versionDir, tls: { port: await freePort(), ...tls } });
    const caddyTls = { port: await freePort(), ...tls };
    caddy = await startCaddy({ tempDir: await mkdtemp(join(tmp, 'caddy-')), port: await freePort(), urlPrefix: '/site/', dir: versionDir, tls: caddyTls, tlsHost: TLS_HOST });
    cli = await startOpusProcess({ dir: await mkdtemp(join(tmp, 'opus-server-')), files: site.files, port: await freePort(), httpsPort: await freePort(), certificatesDir: certs });
    console.log(`site: ${Object.keys(site.files).length} files published with FsArtifactStore into ${versionDir}; ${gz} .gz (zlib 9) and ${br} .br (brotli 11) files beside them for nginx's gzip_static and Caddy's precompressed`);
    console.log(`opus (in-process) on 127.0.0.1:${opus.port}; opus server (CLI process) on 127.0.0.1:${cli.port}, https ${cli.httpsPort}; nginx on ${nginx.port} (config ${nginx.configPath}); caddy on ${caddy.port}, https ${caddyTls.port}`);

    const etag = async (port: number) => String((await fetchOnce(port, '/site/', {})).headers.etag);
    const opusTag = await etag(opus.port);
    const etags = { nginx: await etag(nginx.port), caddy: await etag(caddy.port), opus: opusTag, 'opus server': await etag(cli.port), 'node:http floor': opusTag, 'node:net floor': opusTag };
    const files = { indexHtml: await readFile(join(versionDir, 'index.html')), entryJs: site.entryJs, entryJsBody: await readFile(join(versionDir, site.entryJs)) };
    const wanted = new Set(flags.cases.split(','));
    const cases = serveCases(files, etags).filter((c) => wanted.has(c.id));
    const servers: Measured[] = [{ name: 'nginx', port: nginx.port }, { name: 'caddy', port: caddy.port }, { name: 'opus', port: opus.port }];
    if (!flags['no-floor']) {
      floors = [await startReplay(opus.port), await startNetReplay(opus.port)];
      for (const floor of floors) for (const c of cases) await floor.record(c.path, c.headers('opus'));
      const [http, net] = floors as [ReplayServer, ReplayServer];
      // opus server next to the floor it is held to, so the two are measured seconds apart.
      servers.push({ name: 'node:http floor', port: http.port }, { name: 'opus server', port: cli.port }, { name: 'node:net floor', port: net.port, select: (c) => net.select?.(c.path, c.headers('opus')) });
    } else servers.push({ name: 'opus server', port: cli.port });

    console.log('\nverification (one request each, before measuring):');
    for (const c of cases) {
      for (const s of servers) {
        s.select?.(c);
        const v = await verifyCase(s.name, s.port, c);
        console.log(`  ${c.id} ${s.name.padEnd(15)} ${v.status} ${v.coding.padEnd(8)} ${v.wireBytes} body bytes`);
      }
    }

    let serveOk = true;
    if (!flags['skip-wrk'] && !flags['skip-plain']) {
      console.log('\nruns:');
      const rows = await measure(servers, cases);
      console.log(`\nresults (median req/s; each ratio the median of the per-run ratios; load average now ${load()}):`);
      serveOk = printTable(rows, !flags['no-floor']);
      const busy = busyWarning();
      if (busy) console.log(busy);
      if (!flags['no-floor']) {
        console.log("floors replay Opus's exact responses (same status, headers, bytes) from memory, one process each:");
        console.log('  node:http floor = a bare node:http server: the ceiling for any server answering through node:http (Opus does so only for what its fast path leaves);');
        console.log("  node:net floor = a bare socket server that parses nothing and writes one answer per request head: the ceiling for any server on Node's sockets in one process.");
      }
    }

    let httpsOk = true;
    if (!flags['skip-wrk'] && !flags['skip-https']) {
      console.log(`\nHTTPS runs (https://${TLS_HOST}, one self-signed P-256 certificate for all three; wrk -t1 -c${flags.connections} for HTTP/1.1, h2load -t1 -c${flags.connections} -m1 for HTTP/2):`);
      const tlsServers = [
        { name: 'nginx' as const, httpsPort: nginx.tlsPort ?? 0 },
        // Next to the server it is held to.
        { name: 'caddy' as const, httpsPort: caddyTls.port },
        { name: 'opus server' as const, httpsPort: cli.httpsPort },
      ];
      httpsOk = await httpsStage(tlsServers, cases.filter((c) => c.id !== 'b2'), { runs, durationSeconds: Number(flags.duration), connections: Number(flags.connections) }, load);
      const busy = busyWarning();
      if (busy) console.log(busy);
    }

    let switchOk = true;
    if (!flags['skip-switch']) {
      // A correctness check, not a rate: its load worker gets the other core back.
      unpinServers();
      const b = serveSite('B');
      await publishVersion(opus.store, 'site', '2.0.0', b.files);
      console.log(`\nswitching run: ${flags.switches} switches between site@1.0.0 (marker A) and site@2.0.0 (marker B) with SiteTable.set,`);
      console.log('  under 20 concurrent keep-alive page loads (GET /site/, then the JS it references) from a worker thread:');
      const report = await switchRun({ sites: opus.sites, project: 'site', siteUrl: `http://127.0.0.1:${opus.port}/site/`, versions: [{ version: '1.0.0', marker: 'A' }, { version: '2.0.0', marker: 'B' }], site: plainSite, switches: Number(flags.switches), intervalMs: 30, concurrency: 20 });
      switchOk = printSwitch(report);
    }
    if (flags.strict && !(serveOk && httpsOk && switchOk)) {
      console.log('\n--strict: failing because a ratio is under the target or the switching run failed');
      return 1;
    }
    return 0;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
