// What users read when something is wrong: a missing deploy tag named plainly, a pending deploy
// under a broken opus.yaml that names the file, and a config repo that cannot be reached reported
// once (not at every sync) and shown as such in the project status; events from what a sync
// changed, not from the newest commit's subject. Real git repos, the real
// sync service, real Docker builds.
import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import { projectStatuses } from '../../src/services/project-status.js';
import { localSync } from '../support/local-sync.js';
import { gitSync, makeSourceRepo, tempDir, writeFiles } from '../support/fixtures.js';
import { EMBEDDED_ORIGINS } from '../../src/domain/origins.js';
import { siteAddress } from '../../src/domain/urls.js';

const project = (source: string, deploy: string) => `source: ${JSON.stringify(source)}\ndeploy: ${JSON.stringify(deploy)}\nbuild:\n  image: node:20\n  command: "mkdir -p dist && cp -r public/. dist/"\n  output: dist\n`;

async function world(t: TestContext, files: (source: string) => Record<string, string>) {
  const { source, configDir, sync, queue, events, store, sites } = await localSync(t, { '1.0.0': { 'public/index.html': 'one\n' }, '1.1.0': { 'public/index.html': 'two\n' } }, files);
  const commit = async (files: Record<string, string>, message: string) => {
    await writeFiles(configDir, files);
    gitSync(configDir, 'commit', '--quiet', '--all', '-m', message);
  };
  const settle = async () => {
    await sync.sync();
    await queue.idle();
    await sync.reconcile();
  };
  const status = async (name: string) => (await projectStatuses(sync, sites, queue, store, siteAddress('http://localhost:8080', EMBEDDED_ORIGINS))).find((p) => p.name === name);
  return { source, configDir, sync, queue, events, status, commit, settle };
}

test('a deploy tag that does not exist is named as such, not as git\u2019s clone output', async (t) => {
  const dir = await tempDir(t);
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'index.html': 'one' } });
  const error = await new GitSourceRepos().checkout(source, '9.9.9', join(dir, 'out')).then(() => undefined, (e: unknown) => e as Error);
  assert.match(String(error?.message), new RegExp(`^the tag 9\\.9\\.9 does not exist in ${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  assert.doesNotMatch(String(error?.message), /Cloning into/);
});

test('a pending deploy under a broken opus.yaml names opus.yaml and what is wrong in it', async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': 'builds:\n  concurency: 1\n', 'projects/site.yaml': project(source, '1.0.0') }));
  await w.sync.sync();
  const site = await w.status('site');
  assert.equal(site?.status, 'out of sync');
  assert.match(site?.reason ?? '', /^opus\.yaml is invalid, so nothing deploys until it is fixed: opus\.yaml.*concurency/);
});

test('an unreachable config repo: one sync.failed until it recovers, and the status says the sync failed', { timeout: 120_000 }, async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': 'sync:\n  interval: 1h\n', 'projects/site.yaml': project(source, '1.0.0') }));
  await w.sync.sync();
  await w.queue.idle();
  await w.sync.reconcile();
  assert.equal((await w.status('site'))?.status, 'synced', JSON.stringify(await w.status('site')));

  await rename(w.configDir, `${w.configDir}.gone`);
  for (let i = 0; i < 5; i++) assert.ok((await w.sync.sync()).error, 'the sync fails');
  assert.equal(w.events.filter((e) => e.event === 'sync.failed').length, 1, 'reported once, not at every sync');
  const site = await w.status('site');
  assert.equal(site?.status, 'sync failed');
  assert.match(site?.reason ?? '', /^the last sync failed \(.+\); serving 1\.0\.0/);

  await rename(`${w.configDir}.gone`, w.configDir);
  assert.equal((await w.sync.sync()).error, undefined);
  assert.equal((await w.status('site'))?.status, 'synced');
  await rename(w.configDir, `${w.configDir}.gone`);
  await w.sync.sync();
  assert.equal(w.events.filter((e) => e.event === 'sync.failed').length, 2, 'a failure after a recovery is news again');
});

test('a rollback followed by another commit before the sync still emits rollback (from the switch, not HEAD\u2019s subject)', { timeout: 120_000 }, async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': 'sync:\n  interval: 1h\n', 'projects/site.yaml': project(source, '1.0.0') }));
  await w.settle();
  await w.commit({ 'projects/site.yaml': project(w.source, '1.1.0') }, 'deploy site 1.1.0 (was 1.0.0)');
  await w.settle();
  assert.deepEqual(w.events.filter((e) => e.event === 'rollback'), []);
  await w.commit({ 'projects/site.yaml': project(w.source, '1.0.0') }, 'rollback site to 1.0.0 (was 1.1.0)');
  await w.commit({ 'opus.yaml': 'sync:\n  interval: 30m\n' }, 'sync more often');
  await w.settle();
  assert.deepEqual(w.events.filter((e) => e.event === 'rollback').map((e) => [e.project, e.version, e.previousVersion]), [['site', '1.0.0', '1.1.0']]);
  assert.equal(w.events.filter((e) => e.event === 'deploy.succeeded').length, 3, 'every switch is a deploy too');
});
