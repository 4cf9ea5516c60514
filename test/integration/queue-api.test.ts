// The build queue through the HTTP API with real Docker builds: triggers, the concurrency limit,
// positions, cancel of queued and running builds, and rebuilds of a built version.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BuildView } from '../../src/domain/builds.js';
import { cleanDocker, containersOf, projectYaml, startBuildServer } from '../support/build-server.js';
import { eventually, makeSourceRepo, tempDir } from '../support/fixtures.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const id = (project: string, version: string) => encodeURIComponent(`${project}@${version}`);

async function app(t: TestContext, tags: string[], files: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir(t, 'opus-queue-app-');
  return makeSourceRepo(join(dir, 'app'), Object.fromEntries(tags.map((tag) => [tag, { 'public/index.html': `<p>${tag}</p>\n`, ...files }])));
}

test('ten builds triggered at once with a limit of 2: never more than 2 containers at a time, and all finish', { timeout: 180_000 }, async (t) => {
  const project = `queue-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const versions = Array.from({ length: 10 }, (_, i) => `1.${i}.0`);
  const source = await app(t, versions);
  const s = await startBuildServer(t, {
    files: { 'opus.yaml': 'builds:\n  concurrency: 2\n', [`projects/${project}.yaml`]: projectYaml(source, { command: `sleep 1 && ${'mkdir -p dist && cp -r public/. dist/'}` }) },
  });

  let polling = true;
  let maxRunning = 0;
  const poller = (async () => {
    while (polling) {
      maxRunning = Math.max(maxRunning, (await containersOf(project, true)).length);
      await sleep(100);
    }
  })();
  try {
    const answers = await Promise.all(versions.map((version) => s.api<BuildView>('POST', `/projects/${project}/builds`, { version })));
    assert.deepEqual(answers.map((a) => a.status), versions.map(() => 202));
    assert.deepEqual(answers.map((a) => a.body.id).sort(), versions.map((v) => `${project}@${v}`).sort());
    const listed = (await s.api<{ builds: BuildView[] }>('GET', `/builds?project=${project}`)).body.builds;
    const active = listed.filter((b) => b.status === 'running' || b.status === 'queued');
    assert.equal(active.filter((b) => b.status === 'running').length, 2);
    assert.deepEqual(active.filter((b) => b.status === 'queued').map((b) => b.position), [1, 2, 3, 4, 5, 6, 7, 8]);
    await eventually(async () => {
      const { builds } = (await s.api<{ builds: BuildView[] }>('GET', `/builds?project=${project}`)).body;
      return builds.filter((b) => b.status === 'succeeded').length === 10 ? true : undefined;
    }, 120_000, 'ten succeeded builds');
  } finally {
    polling = false;
    await poller;
  }
  assert.ok(maxRunning <= 2, `saw ${maxRunning} build containers at once`);
  assert.equal(maxRunning, 2, 'two builds did run side by side');
  for (const version of versions) assert.equal(await readFile(join(s.store.versionDir(project, version), 'index.html'), 'utf8'), `<p>${version}</p>\n`);
  assert.equal(s.events.filter((e) => e.event === 'build.queued').length, 10);
  assert.equal(s.events.filter((e) => e.event === 'build.succeeded').length, 10);
});

test('cancel: a queued build never runs; a running build has its container killed; both are recorded cancelled', { timeout: 120_000 }, async (t) => {
  const project = `cancel-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const source = await app(t, ['1.0.0', '1.1.0']);
  const s = await startBuildServer(t, {
    files: { 'opus.yaml': 'builds:\n  concurrency: 1\n', [`projects/${project}.yaml`]: projectYaml(source, { command: 'echo started; sleep 60; mkdir -p dist' }) },
  });
  assert.equal((await s.api('POST', `/projects/${project}/builds`, { version: '1.0.0' })).status, 202);
  const queued = await s.api<BuildView>('POST', `/projects/${project}/builds`, { version: '1.1.0' });
  assert.deepEqual([queued.status, queued.body.status, queued.body.position], [202, 'queued', 1]);

  const cancelQueued = await s.api<BuildView>('DELETE', `/builds/${id(project, '1.1.0')}`);
  assert.deepEqual([cancelQueued.status, cancelQueued.body.status], [200, 'cancelled']);
  assert.equal((await s.store.readBuild(project, '1.1.0'))?.status, 'cancelled');

  await eventually(async () => ((await containersOf(project, true)).length === 1 ? true : undefined), 30_000, 'the running build container');
  const started = Date.now();
  const cancelRunning = await s.api<BuildView>('DELETE', `/builds/${id(project, '1.0.0')}`);
  assert.deepEqual([cancelRunning.status, cancelRunning.body.status], [200, 'cancelled']);
  assert.ok(Date.now() - started < 15_000, 'the container was killed, not waited for');
  const record = await s.store.readBuild(project, '1.0.0');
  assert.equal(record?.status, 'cancelled');
  assert.equal(record?.attempts, 0, 'a cancel is no failed attempt');
  assert.match(await readFile(s.store.logPath(project, '1.0.0'), 'utf8'), /started[\s\S]*cancelled/);
  await eventually(async () => ((await containersOf(project)).length === 0 ? true : undefined), 15_000, 'no container left');
  assert.equal(existsSync(s.store.versionDir(project, '1.0.0')), false);
  assert.ok(!(await containersOf(project)).some((c) => c.Labels['dev.opus.version'] === '1.1.0'));
  assert.deepEqual(s.events.filter((e) => e.event === 'build.cancelled').map((e) => e.version).sort(), ['1.0.0', '1.1.0']);
  assert.equal(s.events.filter((e) => e.event === 'build.failed').length, 0);

  assert.equal((await s.api('DELETE', `/builds/${id(project, '1.0.0')}`)).status, 409, 'cancelling a finished build');
  assert.equal((await s.api('DELETE', `/builds/${id(project, '9.9.9')}`)).status, 404);
  assert.equal((await s.api('DELETE', '/builds/not-a-build')).status, 400);
  assert.equal((await s.api<BuildView>('GET', `/builds/${project}@1.0.0`)).body.status, 'cancelled', 'an id with a plain @ works too');
});

test('triggers: unknown project 404, bad version 400, unknown tag 400, latest resolves; a built version is a no-op unless forced', { timeout: 120_000 }, async (t) => {
  const project = `rebuild-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const source = await app(t, ['1.0.0', '1.1.0', '2.0.0-rc.1']);
  const command = 'mkdir -p dist && cp -r public/. dist/ && cat /proc/sys/kernel/random/uuid > dist/stamp.txt';
  const s = await startBuildServer(t, { files: { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { command, deploy: '1.0.0' }) } });
  const stamp = () => readFile(join(s.store.versionDir(project, '1.0.0'), 'stamp.txt'), 'utf8');
  const served = async () => (await localFetch(`${siteOrigin(s.url, project)}/stamp.txt`)).text();
  const first = await eventually(async () => (s.sites.liveVersion(project) === '1.0.0' ? stamp() : undefined), 60_000, 'the deployed version');
  assert.equal(await served(), first);

  assert.equal((await s.api('POST', '/projects/nope/builds', { version: '1.0.0' })).status, 404);
  assert.equal((await s.api('POST', `/projects/${project}/builds`, { version: '../x' })).status, 400);
  assert.equal((await s.api('POST', `/projects/${project}/builds`, {})).status, 400);
  const missing = await s.api<{ error: string }>('POST', `/projects/${project}/builds`, { version: '3.0.0' });
  assert.deepEqual([missing.status, /no tag "3.0.0"/.test(missing.body.error)], [400, true]);

  const latest = await s.api<BuildView>('POST', `/projects/${project}/builds`, { version: 'latest' });
  assert.equal(latest.body.version, '1.1.0', 'latest never picks a pre-release');
  const again = await s.api<BuildView & { alreadyBuilt: boolean; message: string }>('POST', `/projects/${project}/builds`, { version: '1.0.0' });
  assert.deepEqual([again.status, again.body.alreadyBuilt], [200, true]);
  assert.match(again.body.message, /built already/);
  assert.equal(await stamp(), first, 'a no-op');

  const forced = await s.api<BuildView>('POST', `/projects/${project}/builds`, { version: '1.0.0', force: true });
  assert.deepEqual([forced.status, forced.body.force], [202, true]);
  // While it rebuilds, the version directory is always whole: the old build is served until the swap.
  const seen = new Set<string>();
  await eventually(async () => {
    seen.add(await stamp().catch(() => 'missing'));
    const view = (await s.api<BuildView>('GET', `/builds/${id(project, '1.0.0')}`)).body;
    return view.status === 'succeeded' ? true : undefined;
  }, 60_000, 'the rebuild');
  const second = await stamp();
  assert.notEqual(second, first, 'the version was rebuilt');
  assert.ok([...seen].every((value) => value === first || value === second), `stamps seen during the rebuild: ${[...seen].join(', ')}`);
  assert.equal(await served(), second, 'the live site serves the rebuilt files at once');
  assert.deepEqual((await readdir(join(s.store.root, '.opus', 'trash')).catch(() => [])), [], 'the old build was removed');
  assert.equal(s.sites.liveVersion(project), '1.0.0');

  await s.commit({ 'opus.yaml': 'builds: [broken\n' }, 'break opus.yaml');
  await s.sync.sync();
  const refused = await s.api<{ error: string }>('POST', `/projects/${project}/builds`, { version: '1.1.0', force: true });
  assert.deepEqual([refused.status, /opus.yaml is invalid/.test(refused.body.error)], [409, true], 'nothing is built under a broken opus.yaml');
});

test('a cancelled forced rebuild keeps the published build\'s commit, size and build time (it still serves)', { timeout: 120_000 }, async (t) => {
  const project = `keep-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const source = await app(t, ['1.0.0']);
  // The package cache outlives a build: the second build (the rebuild) finds the mark and takes long enough to cancel.
  const command = 'mkdir -p dist && cp -r public/. dist/ && if [ -f /opus/cache/built ]; then sleep 60; fi; touch /opus/cache/built';
  const s = await startBuildServer(t, { files: { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { command, deploy: '1.0.0' }) } });
  await eventually(() => (s.sites.liveVersion(project) === '1.0.0' ? true : undefined), 60_000, 'the deployed version');
  type Artifact = { version: string; commit?: string; bytes?: number; files?: number; durationMs?: number };
  const artifacts = async () => (await s.api<{ artifacts: Artifact[] }>('GET', `/projects/${project}/artifacts`)).body.artifacts[0];
  const before = await artifacts();
  assert.ok(before?.commit && before.bytes && before.files && before.durationMs !== undefined, JSON.stringify(before));

  assert.equal((await s.api('POST', `/projects/${project}/builds`, { version: '1.0.0', force: true })).status, 202);
  await eventually(async () => ((await s.api<BuildView>('GET', `/builds/${id(project, '1.0.0')}`)).body.status === 'running' ? true : undefined), 30_000, 'the rebuild to run');
  assert.deepEqual(await artifacts(), before, 'while it runs');
  assert.equal((await s.api<BuildView>('DELETE', `/builds/${id(project, '1.0.0')}`)).body.status, 'cancelled');
  assert.deepEqual(await artifacts(), before, 'after it was cancelled');
  assert.equal(s.sites.liveVersion(project), '1.0.0');
});
