// How long a restart of the real `opus server` (bin/run.js) takes as versions pile up. For each
// history size (1, 10 and 50 versions kept of a 1,500-file site, each version with its own
// contents, so the content store holds all of them), a data dir is filled through the store's own
// publish, left as a kill -9 mid-build leaves it (a staging directory and a checkout of 1,500
// files each, a version renamed aside, an archive without its version) with one more deploy
// pending, and the server is started on it. It prints, from the spawn: the server answering
// /healthz, the live version's site answering, the pending deploy live (a Docker build), and
// the sweep of the leftovers done (from the server's log), then checks the leftovers are gone
// and every kept version is whole. Ratios are against the smallest history of the same run.
// Loopback and the local Docker Engine only.
//   npm run bench:restart-history [-- --versions 1,10,50] [--logs /tmp/restart]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../src/adapters/fs/fs-artifact-store.js';
import { readAdminToken } from '../src/runtime/admin-token.js';
import { cleanDocker, containersOf, projectYaml } from '../test/support/build-server.js';
import { gitSync, makeSourceRepo, opusBin, writeFiles } from '../test/support/fixtures.js';
import { freePort } from '../test/support/free-port.js';
import { get } from '../test/support/preview-world.js';

const at = process.argv.indexOf('--versions');
const HISTORIES = (at > 0 ? (process.argv[at + 1] ?? '') : '1,10,50').split(',').map(Number).filter((n) => n >= 1);
/** Where each run's server log is kept (<prefix>-<versions>.log), to see from its timestamps where a start spends its time. */
const LOGS = process.argv.includes('--logs') ? process.argv[process.argv.indexOf('--logs') + 1] : undefined;
const SMALL_FILES = 1500;
const GENERATE = `const fs=require('fs');const v=fs.readFileSync('public/index.html','utf8').trim();fs.mkdirSync('dist/many',{recursive:true});for(let i=0;i<${SMALL_FILES};i++)fs.writeFileSync('dist/many/'+i+'.txt',v+' '+i);fs.writeFileSync('dist/complete.txt',v)`;
const COMMAND = `mkdir -p dist && cp -r public/. dist/ && node -e "${GENERATE}"`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The files of one version, as the build above makes them. */
function siteOf(version: string): Record<string, string> {
  const files: Record<string, string> = { 'index.html': `${version}\n`, 'complete.txt': version };
  for (let i = 0; i < SMALL_FILES; i++) files[`many/${i}.txt`] = `${version} ${i}`;
  return files;
}

interface Row { versions: number; contents: number; healthzMs: number; siteMs: number; liveMs: number; sweptMs: number | undefined; problems: string[] }

async function run(kept: number): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'opus-history-'));
  const project = `hist-${randomUUID().slice(0, 8)}`;
  const versions = Array.from({ length: kept + 1 }, (_, i) => `1.${i}.0`);
  const pending = versions[kept] as string;
  const live = versions[kept - 1] as string;
  const source = await makeSourceRepo(join(dir, 'app'), Object.fromEntries(versions.map((v) => [v, { 'public/index.html': `${v}\n` }])));
  const data = join(dir, 'data');
  const artifacts = join(data, 'artifacts');
  const store = new FsArtifactStore(artifacts);
  for (const version of versions.slice(0, kept)) {
    const staging = await store.createStaging(project, version);
    await writeFiles(staging.dir, siteOf(version));
    const stats = await staging.publish();
    const now = new Date().toISOString();
    await store.writeBuild({ project, version, status: 'succeeded', commit: gitSync(source, 'rev-list', '-n', '1', version).trim(), startedAt: now, finishedAt: now, attempts: 0, settings: '', ...stats });
  }
  await store.setLive(project, { version: live, domains: [] });
  // What a kill -9 mid-build leaves: a staging directory and a checkout (1,500 files each), a
  // version renamed aside, an archive whose version never appeared.
  await writeFiles(join(artifacts, '.opus', 'staging', `${project}@${pending}-${randomUUID()}`, 'out'), siteOf(pending));
  await writeFiles(join(data, 'checkouts', randomUUID()), siteOf(pending));
  await writeFiles(join(artifacts, '.opus', 'trash', `${project}@0.0.1-${randomUUID()}`), { 'index.html': 'old' });
  await writeFiles(join(artifacts, project, 'archive'), { '9.9.9.tar.gz': 'never published' });
  const contents = (await readdir(join(artifacts, '.opus', 'cas'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;

  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': 'sync:\n  interval: 1h\n', [`projects/${project}.yaml`]: projectYaml(source, { deploy: pending, command: COMMAND, extra: `retention:\n  keep: ${kept + 5}` }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', `deploy ${pending}`);

  // The 1,500 files per version just written are flushed first: a restart finds a settled disk.
  execFileSync('sync');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const started = Date.now();
  const server: ChildProcess = spawn(process.execPath, [opusBin, 'server', '--config', configDir, '--data-dir', data, '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let sweptMs: number | undefined;
  const read = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (sweptMs === undefined && chunk.toString().includes('swept what a stopped server left')) sweptMs = Date.now() - started;
  };
  server.stdout?.on('data', read);
  server.stderr?.on('data', read);
  const until = async (check: () => Promise<boolean>, what: string): Promise<number> => {
    for (;;) {
      if (await check().catch(() => false)) return Date.now() - started;
      if (Date.now() - started > 180_000) throw new Error(`timed out waiting for ${what}: ${log.join('').slice(-2000)}`);
      await sleep(20);
    }
  };
  const problems: string[] = [];
  try {
    const healthzMs = await until(async () => (await fetch(`${url}/healthz`)).ok, '/healthz');
    const siteMs = await until(async () => {
      const page = await get(url, `${project}.localhost`, '/');
      if (page.status === 200 && page.body !== `${live}\n` && page.body !== `${pending}\n`) problems.push(`the site answered ${page.body}`);
      return page.status === 200;
    }, 'the site');
    const token = readAdminToken(data) ?? '';
    const liveMs = await until(async () => {
      const view = (await (await fetch(`${url}/api/v1/projects/${project}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { live?: string };
      return view.live === pending && (await containersOf(project, true)).length === 0;
    }, `${pending} live`);
    // A server that sweeps before it listens logs no sweep: then nothing is left by now.
    await until(async () => sweptMs !== undefined || (await leftovers(data, project, versions)).length === 0, 'the sweep');
    problems.push(...(await leftovers(data, project, versions)));
    return { versions: kept, contents, healthzMs, siteMs, liveMs, sweptMs, problems };
  } finally {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGKILL');
    await exited;
    await cleanDocker(project);
    if (LOGS) await writeFile(`${LOGS}-${kept}.log`, log.join(''));
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the sweep should have removed, and any kept version that is not whole. */
async function leftovers(data: string, project: string, versions: string[]): Promise<string[]> {
  const problems: string[] = [];
  const meta = join(data, 'artifacts', '.opus');
  for (const path of [join(data, 'checkouts'), join(meta, 'staging'), join(meta, 'trash')]) {
    const names = await readdir(path).catch(() => [] as string[]);
    if (names.length > 0) problems.push(`${names.length} entries left in ${path.slice(data.length + 1)}`);
  }
  if (existsSync(join(data, 'artifacts', project, 'archive', '9.9.9.tar.gz'))) problems.push('the archive without a version is still there');
  for (const version of versions) {
    const dir = join(data, 'artifacts', project, version);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).length;
    if (files !== SMALL_FILES + 2) problems.push(`version ${version} has ${files} files`);
  }
  return problems;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const kept of HISTORIES) {
    const row = await run(kept);
    rows.push(row);
    console.log(`${kept} versions kept (${row.contents} stored contents): answering ${row.healthzMs} ms, site served ${row.siteMs} ms, pending deploy live ${row.liveMs} ms, leftovers swept ${row.sweptMs ?? '?'} ms after the spawn; ${row.problems.length ? row.problems.join('; ') : 'nothing left behind, every version whole'} (load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  }
  const base = rows[0];
  if (base) {
    for (const row of rows.slice(1)) {
      console.log(`${row.versions} against ${base.versions} versions: answering ×${(row.healthzMs / base.healthzMs).toFixed(2)}, site ×${(row.siteMs / base.siteMs).toFixed(2)}, live ×${(row.liveMs / base.liveMs).toFixed(2)}`);
    }
  }
  if (rows.some((r) => r.problems.length > 0)) process.exitCode = 1;
}

await main();
