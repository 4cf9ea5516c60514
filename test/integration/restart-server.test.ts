// A server restart loses no build: the real `opus server` is killed (SIGKILL) while builds run and
// others wait in the queue, started again on the same data dir, and every build finishes. What the
// killed server left running in Docker is removed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BuildView } from '../../src/domain/builds.js';
import { cleanDocker, containersOf, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, opusBin, tempDir, writeFiles } from '../support/fixtures.js';
import { readAdminToken } from '../../src/runtime/admin-token.js';
import { freePort } from '../support/free-port.js';

function startOpus(args: string[], log: string[]): ChildProcess {
  const child = spawn(process.execPath, [opusBin, 'server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  return child;
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

test('SIGKILL of the server mid-build, then a restart: every queued and running build finishes', { timeout: 180_000 }, async (t) => {
  const project = `restart-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-restart-');
  const versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0'];
  const source = await makeSourceRepo(join(dir, 'app'), Object.fromEntries(versions.map((v) => [v, { 'public/index.html': `${v}\n` }])));
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': 'builds:\n  concurrency: 2\n', [`projects/${project}.yaml`]: projectYaml(source, { command: 'sleep 4 && mkdir -p dist && cp -r public/. dist/' }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['--config', configDir, '--data-dir', join(dir, 'data'), '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--log-format', 'json'];
  const log: string[] = [];
  let server = startOpus(args, log);
  t.after(() => killed(server));
  const api = async <T>(method: string, path: string, body?: unknown) => {
    // The admin token the server made on its first start (the same one after the restart).
    const headers = { Authorization: `Bearer ${readAdminToken(join(dir, 'data')) ?? ''}`, ...(body ? { 'Content-Type': 'application/json' } : {}) };
    const response = await fetch(`${url}/api/v1${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as T };
  };

  // Trigger all four (the server answers 503 until its first sync has read the config repo).
  for (const version of versions) {
    await eventually(async () => ((await api('POST', `/projects/${project}/builds`, { version })).status === 202 ? true : undefined), 60_000, `trigger ${version}: ${log.join('')}`);
  }
  const before = await eventually(async () => {
    const running = await containersOf(project, true);
    return running.length === 2 ? running : undefined;
  }, 60_000, 'two build containers running');
  // The killed builds had a checkout and a staging directory each.
  const leftovers = async () => {
    const list = async (path: string) => (await readdir(path).catch(() => [] as string[])).map((name) => `${path}/${name}`);
    return [...(await list(join(dir, 'data', 'checkouts'))), ...(await list(join(dir, 'data', 'artifacts', '.opus', 'staging')))];
  };
  await killed(server);
  assert.ok((await leftovers()).length >= 2, 'the killed server left its checkouts and staging behind');

  const statusOf = async (v: string) => (JSON.parse(await readFile(join(dir, 'data', 'artifacts', '.opus', 'builds', project, `${v}.json`), 'utf8')) as { status: string }).status;
  const records = await Promise.all(versions.map(statusOf));
  assert.deepEqual([...records].sort(), ['queued', 'queued', 'running', 'running'], 'the killed server left two running and two queued');

  server = startOpus(args, log);
  await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000, 'the restarted server');
  const ids = new Set((await containersOf(project)).map((c) => c.Id));
  assert.ok(before.every((c) => !ids.has(c.Id)), 'the containers of the killed server were removed');

  await eventually(async () => {
    const { builds } = (await api<{ builds: BuildView[] }>('GET', `/builds?project=${project}`)).body;
    return builds.filter((b) => b.status === 'succeeded').length === 4 ? builds : undefined;
  }, 120_000, 'four succeeded builds');
  for (const version of versions) assert.ok(existsSync(join(dir, 'data', 'artifacts', project, version, 'index.html')), `${version} is built`);
  await eventually(async () => ((await containersOf(project)).length === 0 ? true : undefined), 15_000, 'no container left');
  assert.match(log.join(''), /builds resumed after a restart/);
  assert.deepEqual(await leftovers(), [], 'the restart removed what the killed server left behind, and its builds cleaned up after themselves');
  // Every content in the store is used by a version: none was kept alive only by a dead build.
  const cas = join(dir, 'data', 'artifacts', '.opus', 'cas');
  const orphans = [];
  for (const entry of await readdir(cas, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.includes('.') && (await lstat(join(entry.parentPath, entry.name))).nlink < 2) orphans.push(entry.name);
  }
  assert.deepEqual(orphans, []);
});

test('Ctrl-C (SIGINT) of the server mid-build: it removes its build containers before it exits, and the builds resume at the next start', { timeout: 120_000 }, async (t) => {
  const project = `sigint-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-sigint-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': '1.0.0\n' } });
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { command: 'sleep 120 && mkdir -p dist', deploy: '1.0.0' }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');
  const port = await freePort();
  const args = ['--config', configDir, '--data-dir', join(dir, 'data'), '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--log-format', 'json'];
  const log: string[] = [];
  const server = startOpus(args, log);
  t.after(() => killed(server));
  await eventually(async () => ((await containersOf(project, true)).length === 1 ? true : undefined), 60_000, `a running build container: ${log.join('')}`);
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  const started = Date.now();
  server.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.ok(Date.now() - started < 20_000, 'it exits promptly');
  assert.deepEqual(await containersOf(project), [], 'no build container outlives the server');
  const record = JSON.parse(await readFile(join(dir, 'data', 'artifacts', '.opus', 'builds', project, '1.0.0.json'), 'utf8')) as { status: string };
  assert.equal(record.status, 'running', 'left for the next start to run again, not recorded as cancelled');
});
