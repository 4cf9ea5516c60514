// A restart serves at once and sweeps later: the real `opus server` is killed (SIGKILL) with two
// versions built, left with what kills leave (a staging directory of many files, a checkout, a
// version renamed aside, an archive without its version, contents and variants no version holds)
// and one more deploy pending, then started again. Its site answers while those leftovers are
// still on disk; the sweep then removes every one of them, and nothing a version holds.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readAdminToken } from '../../src/runtime/admin-token.js';
import { cleanDocker, containersOf, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, opusBin, tempDir, writeFiles } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { get } from '../support/preview-world.js';

/** Enough files that deleting them takes far longer than answering one request. */
const STAGED_FILES = 20_000;

test('a restarted server answers its site while it still sweeps what the killed one left; the sweep removes it all and nothing a version holds', { timeout: 240_000 }, async (t) => {
  const project = `sweep-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-sweep-');
  const versions = ['1.0.0', '1.1.0', '1.2.0'];
  // shared.js is one content in every version: the store holds it once, linked from each.
  const source = await makeSourceRepo(join(dir, 'app'), Object.fromEntries(versions.map((v) => [v, { 'public/index.html': `${v}\n`, 'public/shared.js': 'export const shared = 1;\n' }])));
  const configDir = join(dir, 'config');
  const data = join(dir, 'data');
  const artifacts = join(data, 'artifacts');
  const meta = join(artifacts, '.opus');
  const deploy = (version: string) => {
    gitSync(configDir, 'add', '--all');
    gitSync(configDir, 'commit', '--quiet', '-m', `deploy ${version}`);
  };
  await writeFiles(configDir, { 'opus.yaml': 'sync:\n  interval: 1h\n', [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.0.0' }) });
  gitSync(configDir, 'init', '--quiet');
  deploy('1.0.0');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [opusBin, 'server', '--config', configDir, '--data-dir', data, '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--log-format', 'json'];
  const log: string[] = [];
  const start = () => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
    return child;
  };
  const kill = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  let server = start();
  t.after(() => kill(server));
  const liveIs = (version: string) => eventually(async () => {
    const response = await fetch(`${url}/api/v1/projects/${project}`, { headers: { Authorization: `Bearer ${readAdminToken(data) ?? ''}` } });
    return ((await response.json()) as { live?: string }).live === version && (await containersOf(project, true)).length === 0 ? true : undefined;
  }, 120_000, `${version} live: ${log.join('').slice(-2000)}`);
  await liveIs('1.0.0');
  await writeFiles(configDir, { [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.1.0' }) });
  deploy('1.1.0');
  await liveIs('1.1.0');
  await kill(server);

  // What kills at other moments leave behind, and the deploy that was pending at the kill.
  const staged = Object.fromEntries(Array.from({ length: STAGED_FILES }, (_, i) => [`many/${i}.txt`, `${i}`]));
  await writeFiles(join(meta, 'staging', `${project}@1.2.0-${randomUUID()}`, 'out'), staged);
  await writeFiles(join(data, 'checkouts', randomUUID()), { 'public/index.html': '1.2.0\n' });
  await writeFiles(join(meta, 'trash', `${project}@0.9.0-${randomUUID()}`), { 'index.html': '0.9.0\n' });
  await writeFiles(join(artifacts, project, 'archive'), { '0.9.0.tar.gz': 'an archive whose version never appeared' });
  const orphan = 'f'.repeat(64);
  const unheld = { [`ff/${orphan}`]: 'no version holds this', [`ff/${orphan}.br`]: 'its variant', [`ee/${'e'.repeat(64)}.gz`]: 'a variant without its content', [`ee/${'e'.repeat(64)}.br.${randomUUID()}.tmp`]: 'half written' };
  await writeFiles(join(meta, 'cas'), unheld);
  await writeFiles(configDir, { [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.2.0' }) });
  deploy('1.2.0');

  server = start();
  // The first answer of the site (polled closely): the version live before the kill, served while
  // the thousands of staged files are still being deleted.
  let first: { status: number; body: string } | undefined;
  let leftoversAtFirstAnswer = false;
  for (const deadline = Date.now() + 60_000; !first && Date.now() < deadline;) {
    const answer = await get(url, `${project}.localhost`, '/').catch(() => undefined);
    if (answer?.status === 200) {
      leftoversAtFirstAnswer = existsSync(join(meta, 'leftovers'));
      first = answer;
    } else await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(first?.body, '1.1.0\n', 'the restarted server serves the version that was live');
  assert.ok(leftoversAtFirstAnswer, 'it answered before the sweep of what the killed server left had finished');

  await liveIs('1.2.0');
  assert.equal((await get(url, `${project}.localhost`, '/')).body, '1.2.0\n', 'the deploy pending at the kill went live');
  await eventually(() => (log.join('').includes('swept what a stopped server left') ? true : undefined), 60_000, 'the sweep to finish');
  const entries = async (path: string) => (await readdir(path).catch(() => [] as string[])).map((name) => join(path, name).slice(data.length + 1));
  const left = [
    ...(await entries(join(data, 'checkouts'))), ...(await entries(join(meta, 'staging'))), ...(await entries(join(meta, 'trash'))),
    ...(await entries(join(meta, 'leftovers'))), ...(await entries(join(data, 'state', 'leftovers'))),
    ...[join(artifacts, project, 'archive', '0.9.0.tar.gz'), ...Object.keys(unheld).map((path) => join(meta, 'cas', path))].filter((path) => existsSync(path)).map((path) => path.slice(data.length + 1)),
  ];
  assert.deepEqual(left, [], 'the sweep removed everything the killed server left');

  // Every version kept is whole, and every file of it is still linked from the content store.
  for (const version of versions) {
    const dir = join(artifacts, project, version);
    assert.equal(await readFile(join(dir, 'index.html'), 'utf8'), `${version}\n`);
    assert.equal(await readFile(join(dir, 'shared.js'), 'utf8'), 'export const shared = 1;\n');
    assert.ok(existsSync(join(artifacts, project, 'archive', `${version}.tar.gz`)), `${version} keeps its archive`);
  }
  const unlinked: string[] = [];
  for (const entry of await readdir(join(meta, 'cas'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.includes('.') && (await lstat(join(entry.parentPath, entry.name))).nlink < 2) unlinked.push(entry.name);
  }
  assert.deepEqual(unlinked, [], 'the store holds only contents a version links to');
  assert.equal((await readdir(join(meta, 'cas'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && !e.name.includes('.')).length, 4, 'three index.html and one shared.js');
});
