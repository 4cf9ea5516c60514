// One contract, two artifact stores: the same tests run against FsArtifactStore (a temp dir) and
// S3ArtifactStore, on an S3-compatible server (s3rver on 127.0.0.1 with a temp dir) and on the S3
// stand-in (conditional writes as S3 honours them, and 503 SlowDown on a fifth of the requests).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { S3ArtifactStore } from '../../src/adapters/s3/s3-artifact-store.js';
import { DEFAULT_BUILD_LIMITS } from '../../src/domain/build-limits.js';
import type { ArtifactStore, BuildRecord } from '../../src/ports/artifact-store.js';
import type { Staging } from '../../src/ports/version-store.js';
import { writeFiles } from '../support/fixtures.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { startS3StandIn } from '../support/s3-stand-in.js';

/** Both stores: every port of ArtifactStore, and where a build's log file is kept. */
type ContractStore = ArtifactStore & { logPath(project: string, version: string): string };

interface Harness {
  /** A new, empty store, and a function that opens a second store on the same data. */
  make(): Promise<{ store: ContractStore; reopen: () => ContractStore; fileCount: (project: string, version: string) => Promise<number> }>;
}

const scratch: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'opus-contract-'));
  scratch.push(dir);
  return dir;
};
after(() => Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true }))));

const fsHarness: Harness = {
  async make() {
    const root = join(await tempDir(), 'artifacts');
    const count = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).length;
    return { store: new FsArtifactStore(root), reopen: () => new FsArtifactStore(root), fileCount: (p, v) => count(join(root, p, v)) };
  },
};

let s3: S3TestServer | undefined;
const s3Harness = (): Harness => ({
  async make() {
    const server = s3 as S3TestServer;
    const prefix = `t-${randomUUID().slice(0, 8)}/`;
    const local = await tempDir();
    const objects = server.objects(prefix);
    return {
      store: new S3ArtifactStore(objects, join(local, 'a')),
      reopen: () => new S3ArtifactStore(server.objects(prefix), join(local, 'b')),
      fileCount: async (p, v) => (await objects.list(`${p}/${v}/`)).length,
    };
  },
});
const s3rverHarness = s3Harness();
const standInHarness = s3Harness();

/** Stages an output with these files, as a build would. */
async function stage(store: ArtifactStore, project: string, version: string, files: Record<string, string>): Promise<Staging> {
  const staging = await store.createStaging(project, version);
  await writeFiles(staging.dir, files);
  return staging;
}

async function archiveFiles(store: ArtifactStore, project: string, version: string): Promise<Record<string, string> | undefined> {
  const archive = await store.openArchive(project, version);
  if (!archive) return undefined;
  const dir = await tempDir();
  await pipeline(archive.stream, tar.x({ cwd: dir }));
  const files: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) files[join(e.parentPath, e.name).slice(dir.length + 1)] = await readFile(join(e.parentPath, e.name), 'utf8');
  return files;
}

/** Whether the version has an archive, its stream (and open file, if any) closed again. */
async function hasArchive(store: ArtifactStore, project: string, version: string): Promise<boolean> {
  const archive = await store.openArchive(project, version);
  archive?.stream.destroy();
  return archive !== undefined;
}

const record = (version: string, status: BuildRecord['status'], extra: Partial<BuildRecord> = {}): BuildRecord => ({ project: 'site', version, status, startedAt: '2024-01-01T00:00:00.000Z', attempts: 0, settings: 'k', ...extra });

/** The archive bytes the first store made of `sameOutput`: every other store must make the same. */
let referenceArchive: { store: string; bytes: Buffer } | undefined;
const sameOutput = { 'index.html': '<h1>same</h1>', 'assets/b.js': 'b', 'assets/a.js': 'a', 'copy.js': 'a' };

const harnesses = [['FsArtifactStore', fsHarness], ['S3ArtifactStore (s3rver on 127.0.0.1)', s3rverHarness], ['S3ArtifactStore (S3 stand-in, 20% 503 SlowDown)', standInHarness]] as const;
for (const [name, harness] of harnesses) {
  describe(`artifact store contract: ${name}`, () => {
    before(async () => {
      if (harness === s3rverHarness) s3 = await startS3Server();
      if (harness === standInHarness) {
        const standIn = await startS3StandIn();
        standIn.slowDown(0.2);
        s3 = standIn;
      }
    });
    after(async () => {
      if (harness !== fsHarness) await s3?.close();
    });

    test('publish makes a version visible only when it is complete, archive included', async () => {
      const { store, fileCount } = await harness.make();
      const files = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`assets/f${i}.js`, `console.log(${i});\n`]));
      const staging = await stage(store, 'site', '1.0.0', { 'index.html': '<h1>1.0.0</h1>', ...files });
      assert.deepEqual(await store.listBuilt('site'), []);
      let done = false;
      const publishing = staging.publish().finally(() => (done = true));
      const seen: { visible: boolean; complete: boolean }[] = [];
      while (!done) {
        await new Promise((r) => setImmediate(r)); // lets the publish's I/O run between looks
        const visible = (await store.listBuilt('site')).some((v) => v.version === '1.0.0');
        seen.push({ visible, complete: visible && (await fileCount('site', '1.0.0')) === 121 && (await hasArchive(store, 'site', '1.0.0')) });
      }
      assert.deepEqual(await publishing, { files: 121, bytes: 14 + Object.values(files).join('').length, notes: [] });
      assert.ok(seen.some((s) => !s.visible), 'looked while the publish was under way');
      assert.deepEqual(seen.filter((s) => s.visible && !s.complete), [], 'never visible while incomplete');
      const built = await store.listBuilt('site');
      assert.deepEqual(built.map((b) => b.version), ['1.0.0']);
      assert.ok(Math.abs((built[0]?.builtAt ?? 0) - Date.now()) < 60_000, 'builtAt is the publish time');
      assert.deepEqual(await store.listProjects(), ['site']);
      assert.deepEqual(await store.listBuilt('other'), []);
    });

    test('the archive holds the output; a version without one has none', async () => {
      const { store } = await harness.make();
      await (await stage(store, 'site', '1.0.0', { 'index.html': 'hi', 'a/b.css': 'b{}' })).publish();
      assert.deepEqual(await archiveFiles(store, 'site', '1.0.0'), { 'index.html': 'hi', 'a/b.css': 'b{}' });
      const archive = await store.openArchive('site', '1.0.0');
      let bytes = 0;
      for await (const chunk of archive?.stream ?? []) bytes += (chunk as Buffer).length;
      assert.ok(bytes > 0);
      if (archive?.bytes !== undefined) assert.equal(bytes, archive.bytes, 'the size announced is the size sent');
      assert.equal(await store.openArchive('site', '9.9.9'), undefined);
    });

    test('the same output gives byte-identical archives in every store', async () => {
      const { store } = await harness.make();
      await (await stage(store, 'site', '1.0.0', sameOutput)).publish();
      const archive = await store.openArchive('site', '1.0.0');
      const chunks: Buffer[] = [];
      for await (const chunk of archive?.stream ?? []) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      referenceArchive ??= { store: name, bytes };
      assert.ok(bytes.equals(referenceArchive.bytes), `the same bytes as ${referenceArchive.store} made`);
    });

    test('publish confines the output: links inside become files, others are dropped with a note; a limit fails it', async () => {
      const { store, fileCount } = await harness.make();
      const staging = await stage(store, 'site', '1.0.0', { 'index.html': 'hi', 'a/b.css': 'b{}' });
      await symlink('a/b.css', join(staging.dir, 'alias.css'));
      await symlink('../../../../../../../etc/passwd', join(staging.dir, '_headers'));
      await symlink('/dev/zero', join(staging.dir, '_redirects'));
      const published = await staging.publish();
      assert.deepEqual([published.files, published.bytes], [3, 8]);
      assert.deepEqual(published.notes.map((n) => n.replace(/: a link to .*/, '')), ['opus: dropped _headers', 'opus: dropped _redirects']);
      assert.equal(await fileCount('site', '1.0.0'), 3);
      assert.deepEqual(await archiveFiles(store, 'site', '1.0.0'), { 'index.html': 'hi', 'a/b.css': 'b{}', 'alias.css': 'b{}' });
      const over = await stage(store, 'site', '2.0.0', { 'index.html': 'x'.repeat(100) });
      await assert.rejects(over.publish({ ...DEFAULT_BUILD_LIMITS, fileBytes: 99 }), /larger than the limit of 99 bytes/);
      await over.discard();
      assert.deepEqual((await store.listBuilt('site')).map((b) => b.version), ['1.0.0']);
    });

    test('an empty output is refused and leaves nothing behind', async () => {
      const { store } = await harness.make();
      const staging = await store.createStaging('site', '1.0.0');
      await assert.rejects(staging.publish(), /produced no files/);
      await staging.discard();
      assert.deepEqual(await store.listBuilt('site'), []);
      assert.equal(await store.openArchive('site', '1.0.0'), undefined);
    });

    test('a staging handle: a local directory to fill; publish takes it into the store and removes it, discard removes it and publishes nothing', async () => {
      const { store } = await harness.make();
      const kept = await stage(store, 'site', '1.0.0', { 'index.html': 'kept' });
      const dropped = await stage(store, 'site', '2.0.0', { 'index.html': 'dropped' });
      assert.notEqual(kept.dir, dropped.dir, 'each build its own directory');
      assert.equal(await readFile(join(dropped.dir, 'index.html'), 'utf8'), 'dropped');
      await dropped.discard();
      await kept.publish();
      for (const dir of [kept.dir, dropped.dir]) assert.equal(existsSync(join(dir, '..')), false, 'nothing of the staging is left');
      assert.deepEqual((await store.listBuilt('site')).map((b) => b.version), ['1.0.0']);
      assert.deepEqual(await archiveFiles(store, 'site', '1.0.0'), { 'index.html': 'kept' });
    });

    test('a rebuild replaces the version whole', async () => {
      const { store, fileCount } = await harness.make();
      await (await stage(store, 'site', '1.0.0', { 'index.html': 'old', 'gone.txt': 'x' })).publish();
      await (await stage(store, 'site', '1.0.0', { 'index.html': 'new' })).publish();
      assert.deepEqual((await store.listBuilt('site')).map((b) => b.version), ['1.0.0']);
      assert.deepEqual(await archiveFiles(store, 'site', '1.0.0'), { 'index.html': 'new' });
      assert.equal(await fileCount('site', '1.0.0'), 1);
    });

    test('remove makes a version vanish with its archive; listeners hear of publish and remove', async () => {
      const { store, fileCount } = await harness.make();
      const heard: string[] = [];
      store.onVersionChange((project, version) => heard.push(`${project}@${version}`));
      await (await stage(store, 'site', '1.0.0', { 'index.html': '1' })).publish();
      await (await stage(store, 'site', '2.0.0', { 'index.html': '2' })).publish();
      await store.remove('site', '1.0.0');
      assert.deepEqual((await store.listBuilt('site')).map((b) => b.version), ['2.0.0']);
      assert.equal(await store.openArchive('site', '1.0.0'), undefined);
      assert.equal(await fileCount('site', '1.0.0'), 0);
      assert.deepEqual(heard, ['site@1.0.0', 'site@2.0.0', 'site@1.0.0']);
      await store.remove('site', '7.7.7'); // nothing there: no error
    });

    test('the live pointer: set, read, same version keeps its time, unset, parallel writes all land', async () => {
      const { store } = await harness.make();
      assert.deepEqual(await store.readLive(), {});
      await store.setLive('site', { version: '1.0.0', domains: ['www.acme.com'] });
      const first = (await store.readLive()).site;
      assert.equal(first?.version, '1.0.0');
      assert.deepEqual(first?.domains, ['www.acme.com']);
      assert.ok(first?.since);
      await new Promise((r) => setTimeout(r, 5));
      await store.setLive('site', { version: '1.0.0', domains: [] });
      assert.equal((await store.readLive()).site?.since, first?.since);
      await store.setLive('site', { version: '2.0.0', domains: [], site: { spa: true, redirects: [], headers: [] } });
      assert.notEqual((await store.readLive()).site?.since, first?.since);
      assert.equal((await store.readLive()).site?.site?.spa, true);
      await Promise.all(['a', 'b', 'c', 'd'].map((p) => store.setLive(p, { version: '1.0.0', domains: [] })));
      await store.setLive('site', undefined);
      assert.deepEqual(Object.keys(await store.readLive()).sort(), ['a', 'b', 'c', 'd']);
    });

    test('build records: write, overwrite, read, list', async () => {
      const { store } = await harness.make();
      assert.equal(await store.readBuild('site', '1.0.0'), undefined);
      await store.writeBuild(record('1.0.0', 'running'));
      await store.writeBuild(record('1.0.0', 'failed', { error: 'exit 1', attempts: 1 }));
      await store.writeBuild({ ...record('2.0.0', 'succeeded'), project: 'docs' });
      assert.deepEqual(await store.readBuild('site', '1.0.0'), record('1.0.0', 'failed', { error: 'exit 1', attempts: 1 }));
      assert.deepEqual((await store.listBuilds()).map((r) => `${r.project}@${r.version} ${r.status}`).sort(), ['docs@2.0.0 succeeded', 'site@1.0.0 failed']);
      assert.match(store.logPath('site', '1.0.0'), /1\.0\.0\.log$/);
    });

    test('a second store on the same data sees everything', async () => {
      const { store, reopen } = await harness.make();
      await (await stage(store, 'site', '1.0.0', { 'index.html': 'x' })).publish();
      await store.setLive('site', { version: '1.0.0', domains: [] });
      await store.writeBuild(record('1.0.0', 'succeeded'));
      assert.deepEqual(await store.readServing(), {}, 'no serving settings before a sync wrote them');
      await store.writeServing({ previewDomain: 'preview.acme.com' });
      const again = reopen();
      assert.deepEqual(await again.readServing(), { previewDomain: 'preview.acme.com' });
      assert.deepEqual((await again.listBuilt('site')).map((b) => b.version), ['1.0.0']);
      assert.equal((await again.readLive()).site?.version, '1.0.0');
      assert.equal((await again.readBuild('site', '1.0.0'))?.status, 'succeeded');
      assert.deepEqual(await archiveFiles(again, 'site', '1.0.0'), { 'index.html': 'x' });
    });

    test('build logs: written while a build runs, read in bounded ranges, replaced by the next build, removed', async () => {
      const { store } = await harness.make();
      assert.equal(await store.logs.readLog('site', '1.0.0'), undefined, 'no log before a build');
      const log = await store.logs.createLog('site', '1.0.0');
      await new Promise<void>((done, fail) => log.write('line one\nline two\n', (error) => (error ? fail(error) : done())));
      assert.deepEqual(await store.logs.readLog('site', '1.0.0', 5, 3).then((r) => r && { text: r.bytes.toString(), size: r.size }), { text: 'one', size: 18 });
      assert.deepEqual(await store.logs.readLog('site', '1.0.0', 18, 100).then((r) => r && r.bytes.length), 0, 'nothing past the end yet');
      await new Promise<void>((done) => log.end(done));
      const again = await store.logs.createLog('site', '1.0.0');
      await new Promise<void>((done) => again.end('new\n', done));
      assert.equal((await store.logs.readLog('site', '1.0.0'))?.bytes.toString(), 'new\n', 'the next build of the version starts a new log');
      await store.logs.removeLog('site', '1.0.0');
      assert.equal(await store.logs.readLog('site', '1.0.0'), undefined);
    });

    test('only the filesystem store is a local site source: the shared store hands out no paths', async () => {
      const { store } = await harness.make();
      for (const member of ['versionDir', 'projectDir', 'variantPath', 'hasVersion', 'versionNames']) assert.equal(member in store, harness === fsHarness, member);
      if (!(store instanceof FsArtifactStore)) return;
      assert.equal(store.hasVersion('site', '1.0.0'), false);
      await (await stage(store, 'site', '1.0.0', { 'index.html': 'x' })).publish();
      assert.equal(store.hasVersion('site', '1.0.0'), true);
      assert.deepEqual(store.versionNames('site'), ['1.0.0']);
      assert.equal(await readFile(join(store.versionDir('site', '1.0.0'), 'index.html'), 'utf8'), 'x');
    });
  });
}
