// A fault run on one machine: the real `opus server` (bin/run.js) is killed with SIGKILL at every
// phase of a deploy (sync, checkout, the build container, output extract, publish, the switch),
// then started again on the same data dir. After each restart has finished the pending deploy it
// checks: nothing left behind (checkouts, staging, trash, snapshots, `*.tmp` files anywhere under
// the data dir, content-store entries no version holds, exited build containers of the project),
// no partial version (every version has all its files), and the deploy that was pending is live.
// Kill times are spread over one measured deploy and packed towards its end (publish and switch
// last milliseconds; --from 0.8 starts them at 80% of it). Bounded: --kills N (default 20),
// loopback and the local Docker Engine only.
//   npm run bench:crash-restart [-- --kills 20] [--from 0.8]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { readAdminToken } from '../src/runtime/admin-token.js';
import { cleanDocker, containersOf, projectYaml } from '../test/support/build-server.js';
import { gitSync, makeSourceRepo, opusBin, writeFiles } from '../test/support/fixtures.js';
import { freePort } from '../test/support/free-port.js';

const flag = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const KILLS = Math.max(1, flag('--kills', 20) || 20);
/** Where the kills start, as a share of one deploy (0: at the commit; 0.8 packs them into publish and the switch). */
const FROM = Math.min(1, Math.max(0, flag('--from', 0) || 0));
const SMALL_FILES = 1500;
/** Files of every version: index.html, complete.txt, big.bin and the small ones. */
const FILES = SMALL_FILES + 3;
const BIG_BYTES = 64 * 100_000;
const GENERATE = `const fs=require('fs');const v=fs.readFileSync('public/index.html','utf8').trim();fs.mkdirSync('dist/many',{recursive:true});for(let i=0;i<${SMALL_FILES};i++)fs.writeFileSync('dist/many/'+i+'.txt',v+' '+i);fs.writeFileSync('dist/big.bin',require('crypto').createHash('sha256').update(v).digest('hex').repeat(100000));fs.writeFileSync('dist/complete.txt',v)`;
const COMMAND = `mkdir -p dist && cp -r public/. dist/ && node -e "${GENERATE}"`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'opus-crash-'));
  const project = `crash-${randomUUID().slice(0, 8)}`;
  const versions = Array.from({ length: KILLS + 2 }, (_, i) => `1.${i}.0`);
  const source = await makeSourceRepo(join(dir, 'app'), Object.fromEntries(versions.map((v) => [v, { 'public/index.html': `${v}\n` }])));
  const configDir = join(dir, 'config');
  const data = join(dir, 'data');
  const deploy = async (version: string) => {
    await writeFiles(configDir, { [`projects/${project}.yaml`]: projectYaml(source, { deploy: version, command: COMMAND }) });
    if (!existsSync(join(configDir, '.git'))) {
      await writeFiles(configDir, { 'opus.yaml': 'sync:\n  interval: 1h\n' });
      gitSync(configDir, 'init', '--quiet');
    }
    gitSync(configDir, 'add', '--all');
    gitSync(configDir, 'commit', '--quiet', '-m', `deploy ${version}`);
  };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [opusBin, 'server', '--config', configDir, '--data-dir', data, '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--log-format', 'json'];
  let server: ChildProcess | undefined;
  /** Starts the server; how long until it answered. */
  const start = async () => {
    const started = Date.now();
    server = spawn(process.execPath, args, { stdio: 'ignore' });
    await until(() => fetch(`${url}/healthz`).then((r) => (r.ok ? true : undefined)), 60_000, 'the server to answer');
    return Date.now() - started;
  };
  const kill = async () => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  const status = async () => {
    const response = await fetch(`${url}/api/v1/projects/${project}`, { headers: { Authorization: `Bearer ${readAdminToken(data) ?? ''}` } });
    return (await response.json()) as { live?: string; status?: string };
  };
  const liveIs = (version: string) => until(async () => ((await status()).live === version && (await containersOf(project, true)).length === 0 ? true : undefined), 120_000, `${version} live`);

  let deployMs: number;
  const rows: { kill: number; atMs: number; phase: string; leftBytes: number; startMs: number; restartToLiveMs: number; problems: string[] }[] = [];
  try {
    await deploy(versions[0] as string);
    await start();
    await liveIs(versions[0] as string);
    // One deploy without a kill: how long its phases take.
    const calibrate = Date.now();
    await deploy(versions[1] as string);
    await liveIs(versions[1] as string);
    deployMs = Date.now() - calibrate;
    console.log(`one deploy of ${FILES} files (${(BIG_BYTES / 1024 ** 2).toFixed(1)} MiB in one of them) takes ${deployMs} ms from the commit to live`);

    for (let k = 0; k < KILLS; k++) {
      const version = versions[k + 2] as string;
      // From the commit (the sync) to slightly past the measured end (the switch), denser towards the end.
      const atMs = Math.round(deployMs * (FROM + (1.05 - FROM) * (k / Math.max(1, KILLS - 1)) ** 0.6));
      const committed = Date.now();
      await deploy(version);
      await sleep(Math.max(0, atMs - (Date.now() - committed)));
      const phase = await phaseOf(data, project, version);
      await kill();
      const leftBytes = await bytesOf([join(data, 'checkouts'), join(data, 'artifacts', '.opus', 'staging')]);
      const restarted = Date.now();
      const startMs = await start();
      await liveIs(version);
      const restartToLiveMs = Date.now() - restarted;
      // Live is the end of the deploy, not of its cleanup (a container removed in a finally, the
      // garbage of a version the restarted server pruned): what is still there after 30 s is left behind.
      const settled = Date.now();
      let problems = await leftovers(data, project);
      while (problems.length > 0 && Date.now() - settled < 30_000) {
        await sleep(1_000);
        problems = await leftovers(data, project);
      }
      const settleMs = Date.now() - settled;
      rows.push({ kill: k + 1, atMs, phase, leftBytes, startMs, restartToLiveMs, problems });
      if (settleMs > 500 && problems.length === 0) console.log(`  (its cleanup went on for ${settleMs} ms after the deploy was live)`);
      console.log(`kill ${k + 1}/${KILLS} at ${atMs} ms (${phase}): left ${leftBytes} bytes in checkouts and staging; answering ${startMs} ms and live again ${restartToLiveMs} ms after the restart; ${problems.length ? problems.join('; ') : 'nothing left behind'}`);
    }
  } finally {
    await kill();
    await cleanDocker(project);
    await rm(dir, { recursive: true, force: true });
  }
  const phases = new Map<string, number>();
  for (const row of rows) phases.set(row.phase, (phases.get(row.phase) ?? 0) + 1);
  const failed = rows.filter((r) => r.problems.length > 0);
  console.log(`\n${rows.length} kills; phases hit: ${[...phases].map(([p, n]) => `${p} ${n}`).join(', ')}`);
  console.log(`left by the kills before a restart: ${rows.reduce((s, r) => s + r.leftBytes, 0)} bytes; after the restarts: ${failed.length} with something left or partial`);
  console.log(`deploys pending at a kill and live after the restart: ${rows.length}/${KILLS}; restart to answering: median ${median(rows.map((r) => r.startMs))} ms; to live: median ${median(rows.map((r) => r.restartToLiveMs))} ms (one deploy without a kill: ${deployMs} ms)`);
  if (failed.length > 0 || rows.length < KILLS) process.exitCode = 1;
}

/** What the deploy of `version` was doing at the kill, from what is on disk and in Docker. */
async function phaseOf(data: string, project: string, version: string): Promise<string> {
  const artifacts = join(data, 'artifacts');
  const live = await readFile(join(artifacts, '.opus', 'live.json'), 'utf8').then((t) => (JSON.parse(t) as Record<string, { version?: string }>)[project]?.version, () => undefined);
  if (live === version) return 'switched';
  if (existsSync(join(artifacts, project, version))) return 'published, not switched';
  const running = (await containersOf(project)).some((c) => c.Labels['dev.opus.version'] === version);
  if (running) return 'build container';
  const staging = (await readdir(join(artifacts, '.opus', 'staging')).catch(() => [] as string[])).some((n) => n.startsWith(`${project}@${version}-`));
  if (staging) return 'extract or publish';
  if ((await readdir(join(data, 'checkouts')).catch(() => [] as string[])).length > 0) return 'checkout';
  return 'sync';
}

/** Everything a restart should have removed or finished, as problems. */
async function leftovers(data: string, project: string): Promise<string[]> {
  const problems: string[] = [];
  const meta = join(data, 'artifacts', '.opus');
  for (const path of [join(data, 'checkouts'), join(meta, 'staging'), join(meta, 'trash'), join(meta, 'snapshots')]) {
    const names = await readdir(path).catch(() => [] as string[]);
    if (names.length > 0) problems.push(`${names.length} entries in ${path.slice(data.length + 1)}`);
  }
  const all = await readdir(data, { withFileTypes: true, recursive: true });
  const temps = all.filter((e) => e.isFile() && /\.tmp$|^\.tmp/.test(e.name));
  if (temps.length > 0) problems.push(`temp files: ${temps.map((e) => e.name).join(', ')}`);
  let orphans = 0;
  for (const entry of all.filter((e) => e.isFile() && e.parentPath.includes(join(meta, 'cas')) && !e.name.includes('.'))) {
    // The server may be collecting garbage right now: an entry gone meanwhile is no orphan.
    if (((await lstat(join(entry.parentPath, entry.name)).catch(() => undefined))?.nlink ?? 2) < 2) orphans += 1;
  }
  if (orphans > 0) problems.push(`${orphans} content-store entries no version holds`);
  for (const version of await readdir(join(data, 'artifacts', project)).catch(() => [] as string[])) {
    if (version === 'archive') continue;
    const dir = join(data, 'artifacts', project, version);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    const big = await stat(join(dir, 'big.bin')).then((s) => s.size, () => 0);
    if (files !== FILES || big !== BIG_BYTES || !existsSync(join(dir, 'complete.txt'))) problems.push(`partial version ${version}: ${files} files, big.bin ${big} bytes`);
    const record = await readFile(join(meta, 'builds', project, `${version}.json`), 'utf8').then((t) => JSON.parse(t) as { status?: string; commit?: string }, () => undefined);
    if (record?.status !== 'succeeded' || !record.commit) problems.push(`version ${version} has no succeeded record with its commit (${record?.status ?? 'none'})`);
  }
  const containers = await containersOf(project);
  if (containers.length > 0) problems.push(`${containers.length} build containers left (${containers.map((c) => c.State).join(', ')})`);
  return problems;
}

async function bytesOf(paths: string[]): Promise<number> {
  let total = 0;
  for (const path of paths) {
    for (const entry of await readdir(path, { recursive: true, withFileTypes: true }).catch(() => [])) {
      if (entry.isFile()) total += (await lstat(join(entry.parentPath, entry.name))).size;
    }
  }
  return total;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

await main();
