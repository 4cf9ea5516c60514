// The sync loop wired for real: a git config repo, git sources, Docker builds with node:20, the
// artifact tree on disk and the site table. Every test drives it the way a user does: commit to the
// config repo, sync, and look at what is live and what is on disk.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Docker from 'dockerode';
import { DockerBuildRunner } from '../../src/adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { GitConfigSource } from '../../src/adapters/git/git-config-source.js';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import type { ConfigSource } from '../../src/ports/git-sources.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import { SyncService, type SyncReport } from '../../src/services/sync-service.js';
import { gitSync, makeSourceRepo, tagVersion, tempDir, writeFiles } from '../support/fixtures.js';
import { syncWiring } from '../support/sync-wiring.js';

const BUILD = 'mkdir -p dist && cp -r public/. dist/';
const docker = new Docker();

/** A project file as a user writes it. */
function projectYaml(source: string, deploy: string | undefined, options: { command?: string; extra?: string; image?: string | null } = {}): string {
  const image = options.image === null ? '' : `  image: ${options.image ?? 'node:20'}\n`;
  return [
    `source: ${JSON.stringify(source)}`,
    ...(deploy === undefined ? [] : [`deploy: ${JSON.stringify(deploy)}`]),
    `build:\n${image}  command: ${JSON.stringify(options.command ?? BUILD)}\n  output: dist`,
    ...(options.extra ? [options.extra] : []),
  ].join('\n') + '\n';
}

interface World {
  root: string;
  source: string;
  store: FsArtifactStore;
  sites: SiteTable;
  queue: BuildQueue;
  sync: SyncService;
  /** How often the config repo was fetched. */
  fetches: () => number;
  /** Commits changes (null deletes) to the config repo; returns the new commit. */
  commit: (files: Record<string, string | null>, message: string) => Promise<string>;
  /** Syncs, waits for every build it started, and reconciles until nothing is in flight. */
  settle: () => Promise<SyncReport>;
  served: (project: string) => Promise<string | undefined>;
}

/** An app with tags 1.0.0, 1.1.0, 1.2.0 (each serving "<tag> page"), and a config repo with `files`. */
async function world(t: TestContext, files: (source: string) => Record<string, string>, tags = ['1.0.0', '1.1.0', '1.2.0']): Promise<World> {
  const dir = await tempDir(t, 'opus-sync-');
  const source = await makeSourceRepo(join(dir, 'app'), Object.fromEntries(tags.map((tag) => [tag, { 'public/index.html': `${tag} page\n` }])));
  const configDir = join(dir, 'config');
  await writeFiles(configDir, files(source));
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init opus config repo');

  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const queue = new BuildQueue(2);
  const sources = new GitSourceRepos();
  const builds = new BuildService(store, sources, new DockerBuildRunner(docker), silentLogger);
  const git = new GitConfigSource(configDir, join(dir, 'state', 'config'));
  let fetches = 0;
  const config: ConfigSource = {
    fetch: () => {
      fetches += 1;
      return git.fetch();
    },
  };
  const { sync } = syncWiring({ config, sources, store, builds, queue, sites, logger: silentLogger });
  t.after(() => queue.idle());

  return {
    root: store.root,
    source,
    store,
    sites,
    queue,
    sync,
    fetches: () => fetches,
    async commit(changes, message) {
      for (const [path, content] of Object.entries(changes)) {
        if (content === null) await rm(join(configDir, path), { force: true });
        else await writeFiles(configDir, { [path]: content });
      }
      gitSync(configDir, 'add', '--all');
      gitSync(configDir, 'commit', '--quiet', '-m', message);
      return gitSync(configDir, 'rev-parse', 'HEAD').trim();
    },
    async settle() {
      await sync.sync();
      for (;;) {
        await queue.idle();
        const report = await sync.reconcile();
        if (queue.keys().size === 0) return report;
      }
    },
    async served(project) {
      const version = sites.liveVersion(project);
      return version === undefined ? undefined : readFile(join(store.versionDir(project, version), 'index.html'), 'utf8');
    },
  };
}

test('the first sync builds and then switches live; a new deploy switches; a rollback is instant; a restart serves the same', { timeout: 120_000 }, async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': '', 'projects/site.yaml': projectYaml(source, '1.0.0'), 'projects/docs.yaml': projectYaml(source, '1.2.0') }));
  const first = await w.sync.sync();
  assert.deepEqual([...first.actions].sort(), ['build docs@1.2.0', 'build site@1.0.0']);
  assert.deepEqual(first.problems, []);
  assert.equal(w.sites.liveVersion('site'), undefined, 'nothing is live before its build is done');

  await w.settle();
  assert.equal(w.sites.liveVersion('site'), '1.0.0');
  assert.equal(w.sites.liveVersion('docs'), '1.2.0');
  assert.equal(await w.served('site'), '1.0.0 page\n');
  assert.equal(await w.served('docs'), '1.2.0 page\n');
  assert.equal((await w.store.readBuild('site', '1.0.0'))?.status, 'succeeded');

  await w.commit({ 'projects/site.yaml': projectYaml(w.source, '1.1.0') }, 'deploy site 1.1.0 (was 1.0.0)');
  const deploying = await w.sync.sync();
  assert.deepEqual(deploying.actions, ['build site@1.1.0']);
  assert.equal(w.sites.liveVersion('site'), '1.0.0', 'the old version serves while the new one builds');
  await w.settle();
  assert.equal(w.sites.liveVersion('site'), '1.1.0');
  assert.equal(await w.served('site'), '1.1.0 page\n');

  const built = await w.store.readBuild('site', '1.0.0');
  const head = await w.commit({ 'projects/site.yaml': projectYaml(w.source, '1.0.0') }, 'rollback site to 1.0.0 (was 1.1.0)');
  const rollback = await w.sync.sync();
  assert.equal(rollback.commit, head);
  assert.deepEqual(rollback.actions, ['switch site@1.0.0']);
  assert.equal(w.sites.liveVersion('site'), '1.0.0', 'a built version goes live within the sync, without a build');
  assert.equal((await w.store.readBuild('site', '1.0.0'))?.startedAt, built?.startedAt);

  // A restart: a new store object and site table over the same directory serve the same versions,
  // and a new sync loop over them has nothing to do.
  const store = new FsArtifactStore(w.root);
  const sites = new SiteTable(store);
  await sites.load();
  assert.equal(sites.liveVersion('site'), '1.0.0');
  assert.equal(sites.liveVersion('docs'), '1.2.0');
  const dir = join(w.root, '..');
  const queue = new BuildQueue(2);
  const sources = new GitSourceRepos();
  const { sync: restarted } = syncWiring({
    config: new GitConfigSource(join(dir, 'config'), join(dir, 'state', 'config-after-restart')),
    sources,
    store,
    builds: new BuildService(store, sources, new DockerBuildRunner(docker), silentLogger),
    queue,
    sites,
    logger: silentLogger,
  });
  assert.deepEqual((await restarted.sync()).actions, []);
  assert.deepEqual(queue.keys(), new Set());
});

test('deploy: latest serves the newest semver tag, ignores pre-releases, and follows new tags', { timeout: 120_000 }, async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': '', 'projects/site.yaml': projectYaml(source, 'latest') }), ['1.0.0', '1.10.0', '1.2.0', '2.0.0-rc.1', 'nightly']);
  await w.settle();
  assert.equal(w.sync.desiredVersion('site'), '1.10.0');
  assert.equal(w.sites.liveVersion('site'), '1.10.0');
  assert.equal(await w.served('site'), '1.10.0 page\n');
  assert.equal(existsSync(w.store.versionDir('site', '2.0.0-rc.1')), false, 'a pre-release is not built for latest');

  await tagVersion(w.source, '1.11.0', { 'public/index.html': '1.11.0 page\n' });
  await tagVersion(w.source, '3.0.0-beta.1', { 'public/index.html': 'beta page\n' });
  await w.settle();
  assert.equal(w.sites.liveVersion('site'), '1.11.0');
  assert.equal(await w.served('site'), '1.11.0 page\n');
});

test('a project file made invalid keeps its live version, is reported by file and path, and others sync on', { timeout: 120_000 }, async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': '', 'projects/alpha.yaml': projectYaml(source, '1.0.0'), 'projects/beta.yaml': projectYaml(source, '1.0.0') }));
  await w.settle();
  assert.equal(w.sites.liveVersion('alpha'), '1.0.0');
  assert.equal(w.sites.liveVersion('beta'), '1.0.0');

  await w.commit(
    { 'projects/alpha.yaml': projectYaml(w.source, '1.1.0', { image: null }), 'projects/beta.yaml': projectYaml(w.source, '1.1.0') },
    'deploy both, forgetting the image of alpha',
  );
  const report = await w.settle();
  assert.equal(w.sites.liveVersion('alpha'), '1.0.0', 'the broken project keeps serving');
  assert.equal(await w.served('alpha'), '1.0.0 page\n');
  assert.equal(w.sites.liveVersion('beta'), '1.1.0', 'the other project syncs on');
  assert.equal(existsSync(w.store.versionDir('alpha', '1.1.0')), false, 'nothing is built from a broken file');
  const problems = w.sync.lastReport?.problems ?? [];
  assert.deepEqual(problems.map((p) => [p.file, p.path]), [['projects/alpha.yaml', 'build.image']]);
  assert.match(problems[0]?.message ?? '', /required/);
  assert.deepEqual(report.problems, problems);

  await w.commit({ 'projects/alpha.yaml': projectYaml(w.source, '1.1.0') }, 'fix alpha');
  const fixed = await w.settle();
  assert.deepEqual(fixed.problems, []);
  assert.equal(w.sites.liveVersion('alpha'), '1.1.0');
});

test('a broken opus.yaml changes nothing at all, until it is fixed', { timeout: 120_000 }, async (t) => {
  const settings = 'builds:\n  concurrency: 3\n';
  const w = await world(t, (source) => ({ 'opus.yaml': settings, 'projects/site.yaml': projectYaml(source, '1.0.0'), 'projects/other.yaml': projectYaml(source, '1.0.0') }));
  await w.settle();
  assert.equal(w.sites.liveVersion('site'), '1.0.0');
  assert.equal(w.sites.liveVersion('other'), '1.0.0');
  const liveBefore = await w.store.readLive();

  await w.commit(
    { 'opus.yaml': 'builds:\n  concurency: 1\n', 'projects/site.yaml': projectYaml(w.source, '1.1.0'), 'projects/other.yaml': null },
    'a typo in opus.yaml, a deploy and a removal',
  );
  const report = await w.sync.sync();
  assert.deepEqual(report.actions, []);
  assert.deepEqual(report.problems.map((p) => [p.file, p.path]), [['opus.yaml', 'builds']]);
  assert.match(report.problems[0]?.message ?? '', /concurency/);
  await w.queue.idle();
  assert.deepEqual(await w.store.readLive(), liveBefore);
  assert.equal(w.sites.liveVersion('site'), '1.0.0');
  assert.equal(w.sites.liveVersion('other'), '1.0.0');
  assert.equal(existsSync(w.store.versionDir('site', '1.1.0')), false);

  // The build concurrency of the last good opus.yaml still holds.
  const held = [1, 2, 3].map((i) => w.queue.enqueue(`probe@${i}`, () => new Promise<void>((resolve) => setTimeout(resolve, 100))));
  assert.equal(w.queue.runningKeys().length, 3);
  await Promise.all(held);

  await w.commit({ 'opus.yaml': settings }, 'fix opus.yaml');
  await w.settle();
  assert.equal(w.sites.liveVersion('site'), '1.1.0');
  assert.equal(w.sites.liveVersion('other'), undefined);
});

test('a failed build is recorded with its log, not retried by the next sync, but retried when its settings change', { timeout: 120_000 }, async (t) => {
  const failing = 'echo "compiling $OPUS_PROJECT@$OPUS_VERSION"; echo "error: cannot resolve ./missing" >&2; exit 3';
  const w = await world(t, (source) => ({ 'opus.yaml': '', 'projects/site.yaml': projectYaml(source, '1.0.0', { command: failing }) }));
  const report = await w.settle();
  const failed = await w.store.readBuild('site', '1.0.0');
  assert.equal(failed?.status, 'failed');
  assert.equal(failed?.attempts, 1);
  assert.match(failed?.error ?? '', /^error: cannot resolve \.\/missing \(the build command exited with code 3\)$/, 'the cause from the log first');
  assert.deepEqual(failed?.cause, ['error: cannot resolve ./missing']);
  const log = await readFile(w.store.logPath('site', '1.0.0'), 'utf8');
  assert.match(log, /compiling site@1\.0\.0/);
  assert.match(log, /error: cannot resolve \.\/missing/);
  assert.equal(w.sites.liveVersion('site'), undefined);
  assert.equal(existsSync(w.store.versionDir('site', '1.0.0')), false);
  assert.match(report.waiting.site ?? '', /failed/);

  const again = await w.settle();
  assert.deepEqual(again.actions, []);
  const still = await w.store.readBuild('site', '1.0.0');
  assert.equal(still?.startedAt, failed?.startedAt, 'no new build was started');
  assert.equal(still?.attempts, 1);

  await w.commit({ 'projects/site.yaml': projectYaml(w.source, '1.0.0') }, 'fix the build command');
  await w.settle();
  const retried = await w.store.readBuild('site', '1.0.0');
  assert.equal(retried?.status, 'succeeded');
  assert.notEqual(retried?.startedAt, failed?.startedAt);
  assert.equal(w.sites.liveVersion('site'), '1.0.0');
  assert.equal(await w.served('site'), '1.0.0 page\n');
});

test('removing a project file unpublishes that project only, and its built versions leave the disk', { timeout: 120_000 }, async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': '', 'projects/site.yaml': projectYaml(source, '1.0.0'), 'projects/gone.yaml': projectYaml(source, '1.0.0') }));
  await w.settle();
  assert.equal(w.sites.liveVersion('gone'), '1.0.0');

  await w.commit({ 'projects/gone.yaml': null }, 'remove project gone');
  const report = await w.settle();
  assert.equal(w.sites.liveVersion('gone'), undefined);
  assert.equal((await w.store.readLive()).gone, undefined);
  assert.equal(existsSync(w.store.versionDir('gone', '1.0.0')), false, 'the removed project\'s version is deleted');
  assert.equal(existsSync(w.store.versionDir('site', '1.0.0')), true);
  assert.equal(w.sites.liveVersion('site'), '1.0.0');
  assert.ok(w.sync.lastReport);
  assert.deepEqual(report.problems, []);
  const restarted = new SiteTable(new FsArtifactStore(w.root));
  await restarted.load();
  assert.equal(restarted.liveVersion('gone'), undefined, 'it stays unpublished after a restart');
});

test('retention prunes old versions but never the live one', { timeout: 180_000 }, async (t) => {
  const keep = (n: number) => `retention:\n  keep: ${n}`;
  const w = await world(t, (source) => ({ 'opus.yaml': '', 'projects/site.yaml': projectYaml(source, '1.0.0', { extra: keep(2) }) }));
  await w.settle();
  for (const version of ['1.1.0', '1.2.0']) {
    await w.commit({ 'projects/site.yaml': projectYaml(w.source, version, { extra: keep(2) }) }, `deploy site ${version}`);
    await w.settle();
  }
  const built = async () => (await w.store.listBuilt('site')).map((b) => b.version).sort();
  assert.deepEqual(await built(), ['1.0.0', '1.1.0', '1.2.0']);

  // Roll back to the oldest version and keep only one other: 1.1.0 goes, 1.0.0 stays live.
  await w.commit({ 'projects/site.yaml': projectYaml(w.source, '1.0.0', { extra: keep(1) }) }, 'rollback site to 1.0.0, keep 1');
  await w.settle();
  assert.equal(w.sites.liveVersion('site'), '1.0.0');
  assert.equal(await w.served('site'), '1.0.0 page\n');
  assert.deepEqual(await built(), ['1.0.0', '1.2.0']);
  assert.equal(await w.store.openArchive('site', '1.1.0'), undefined, 'a pruned version has no archive either');

  // Later syncs leave it so: the live version is never counted against `keep`.
  assert.deepEqual((await w.settle()).actions, []);
  assert.deepEqual(await built(), ['1.0.0', '1.2.0']);
  assert.equal(await w.served('site'), '1.0.0 page\n');
});

test('sync() calls during a running sync coalesce into one follow-up that sees the newest commit', { timeout: 120_000 }, async (t) => {
  const w = await world(t, (source) => ({ 'opus.yaml': '', 'projects/site.yaml': projectYaml(source, '1.0.0') }));
  const first = w.sync.sync();
  const head = await w.commit({ 'projects/site.yaml': projectYaml(w.source, '1.1.0') }, 'deploy site 1.1.0');
  const followers = [w.sync.sync(), w.sync.sync(), w.sync.sync(), w.sync.sync()];
  const reports = await Promise.all([first, ...followers]);
  assert.ok(w.fetches() <= 2, `the config repo was fetched ${w.fetches()} times for 5 overlapping sync() calls`);
  for (const report of reports.slice(1)) assert.equal(report.commit, head);

  await w.settle();
  assert.equal(w.sites.liveVersion('site'), '1.1.0');
});
