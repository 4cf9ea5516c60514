// `opus trigger` in both modes, `opus cancel`, and the per-project build cache, with the real CLI,
// real git repos and real Docker builds.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanDocker, containersOf, projectYaml, startBuildServer } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, opus, tempDir, writeFiles } from '../support/fixtures.js';

/** A config repo working copy with one project per entry, and a source with tags 1.0.0 and 1.1.0. */
async function setup(t: TestContext, projects: Record<string, { command?: string; extra?: string; build?: string }>) {
  const dir = await tempDir(t, 'opus-trigger-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': '1.0.0\n' }, '1.1.0': { 'public/index.html': '1.1.0\n' }, '2.0.0-rc.1': {} });
  const names = Object.fromEntries(Object.keys(projects).map((key) => [key, `${key}-${randomUUID().slice(0, 8)}`]));
  for (const name of Object.values(names)) t.after(() => cleanDocker(name));
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': '', ...Object.fromEntries(Object.entries(projects).map(([key, p]) => [`projects/${names[key]}.yaml`, projectYaml(source, p)])) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');
  return { dir, configDir, names, env: { XDG_CONFIG_HOME: dir, OPUS_CONFIG: configDir } };
}

test('opus trigger with a file store builds locally into that artifact tree, no server', { timeout: 120_000 }, async (t) => {
  const { dir, names, env } = await setup(t, { site: {}, broken: { command: 'echo boom; exit 3' } });
  const store = join(dir, 'ci-artifacts');
  const site = names.site as string;
  const built = await opus(['trigger', site, 'latest', store], { env });
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stdout, /opus: cloning[\s\S]*opus: published/, 'the log is printed as it is written');
  assert.match(built.stdout, new RegExp(`${site}@1.1.0 built into ${store}/${site}/1.1.0`));
  assert.equal(await readFile(join(store, site, '1.1.0', 'index.html'), 'utf8'), '1.1.0\n');
  assert.ok(existsSync(join(store, '.opus', 'logs', site, '1.1.0.log')));
  assert.equal(JSON.parse(await readFile(join(store, '.opus', 'builds', site, '1.1.0.json'), 'utf8')).status, 'succeeded');

  const again = await opus(['trigger', site, '1.1.0', store], { env });
  assert.equal(again.code, 0);
  assert.match(again.stdout, /built already/);
  const forced = await opus(['trigger', site, '1.1.0', store, '--force', '--json'], { env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(JSON.parse(forced.stdout).status, 'succeeded');

  const failed = await opus(['trigger', names.broken as string, '1.0.0', store], { env });
  assert.equal(failed.code, 1);
  const logPath = join(store, '.opus', 'logs', names.broken as string, '1.0.0.log');
  assert.match(failed.stderr, new RegExp(`exited with code 3[\\s\\S]*log: ${logPath}`));
  assert.match(await readFile(logPath, 'utf8'), /boom/);
  assert.equal(existsSync(join(store, names.broken as string, '1.0.0')), false);

  const missing = await opus(['trigger', site, '9.9.9', store], { env });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no tag "9.9.9"/);
  const unknown = await opus(['trigger', 'no-such-project', '1.0.0', store], { env });
  assert.match(unknown.stderr, /no project "no-such-project"/);
});

// Without a cache the (non-root) build cannot make /opus at all: its mkdir error is hidden.
test('the package cache survives between builds of a project; build.cache: false has none', { timeout: 120_000 }, async (t) => {
  const probe = 'if [ -e /opus/cache/marker ]; then echo cache-hit; else echo cache-miss; fi; mkdir -p /opus/cache 2>/dev/null && touch /opus/cache/marker; echo "npm cache: $npm_config_cache"; mkdir -p dist && cp -r public/. dist/';
  const { dir, names, env } = await setup(t, { cached: { command: probe }, uncached: { command: probe, build: 'cache: false' } });
  const store = join(dir, 'store');
  const logOf = (name: string, version: string) => readFile(join(store, '.opus', 'logs', name, `${version}.log`), 'utf8');
  for (const name of [names.cached, names.uncached] as string[]) {
    for (const version of ['1.0.0', '1.1.0']) assert.equal((await opus(['trigger', name, version, store], { env })).code, 0, `${name}@${version}`);
  }
  assert.match(await logOf(names.cached as string, '1.0.0'), /cache-miss\nnpm cache: \/opus\/cache\/npm\n/);
  assert.match(await logOf(names.cached as string, '1.1.0'), /cache-hit\n/, 'the second build found what the first left');
  assert.match(await logOf(names.uncached as string, '1.0.0'), /cache-miss\nnpm cache: \n/);
  assert.match(await logOf(names.uncached as string, '1.1.0'), /cache-miss\n/, 'no cache between builds without one');
});

test('opus trigger --wait against a server follows the log and fails when the build fails; opus cancel', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t, 'opus-trigger-srv-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': 'a\n' }, '1.1.0': { 'public/index.html': 'b\n', fail: 'yes' } });
  const project = `wait-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const command = 'echo building; if [ -e fail ]; then echo broken; exit 5; fi; mkdir -p dist && cp -r public/. dist/';
  const s = await startBuildServer(t, { files: { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { command }) } });
  const env = { XDG_CONFIG_HOME: dir };
  const ok = await opus(['trigger', project, '1.0.0', '--wait', '--server', s.url], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`${project}@1.0.0 (queued|running)[\\s\\S]*building[\\s\\S]*${project}@1.0.0 succeeded`));
  const bad = await opus(['trigger', project, '1.1.0', '--wait', '--server', s.url], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /broken/);
  assert.match(bad.stderr, /1.1.0 failed: the build command exited with code 5/);
  const none = await opus(['trigger', project, '7.0.0', '--server', s.url], { env });
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /no tag "7.0.0"/);

  await s.commit({ [`projects/${project}.yaml`]: projectYaml(source, { command: 'sleep 60' }) }, 'slow builds');
  await s.sync.sync();
  assert.equal((await opus(['trigger', project, '1.1.0', '--server', s.url], { env })).code, 0);
  await eventually(async () => ((await containersOf(project, true)).length === 1 ? true : undefined), 30_000, 'the build running');
  const cancel = await opus(['cancel', project, '1.1.0', '--server', s.url], { env });
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stdout, /1.1.0 cancelled/);
  assert.equal((await s.store.readBuild(project, '1.1.0'))?.status, 'cancelled');
  const twice = await opus(['cancel', project, '1.1.0', '--server', s.url], { env });
  assert.notEqual(twice.code, 0);
  assert.match(twice.stderr, /not queued or running/);
});
