// The filesystem store's own promises, beyond the contract both stores share: a file that does not
// change between versions is stored once, each version directory is exactly the build output, and
// a version's archive is stored beside it (or, for a version published before archives were stored
// again, made when asked for), from one build whole, with nothing left behind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isDeepStrictEqual } from 'node:util';
import { test } from 'node:test';
import * as tar from 'tar';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { tempDir, writeFiles } from '../support/fixtures.js';


async function publish(store: FsArtifactStore, version: string, files: Record<string, string>): Promise<void> {
  const stage = await store.createStaging('site', version);
  const staging = stage.dir;
  await writeFiles(staging, files);
  await stage.publish();
}

async function filesIn(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files[join(e.parentPath, e.name).slice(dir.length + 1)] = await readFile(join(e.parentPath, e.name), 'utf8');
  }
  return files;
}

/** The archive's files and contents, read in memory. */
async function archiveFiles(store: FsArtifactStore, version: string): Promise<Record<string, string> | undefined> {
  const archive = await store.openArchive('site', version);
  if (!archive) return undefined;
  const files: Record<string, string> = {};
  const onReadEntry = (entry: tar.ReadEntry) => {
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => {
      if (entry.type === 'File') files[entry.path.replace(/^\.\//, '')] = Buffer.concat(chunks).toString();
    });
  };
  await pipeline(archive.stream, tar.t({ onReadEntry }));
  return files;
}

const inode = async (path: string) => (await stat(path)).ino;
const vendor = `export const big = ${JSON.stringify('vendor code '.repeat(2000))};\n`;

test('a file that does not change between versions is stored once; each version directory is exactly its output', async (t) => {
  const store = new FsArtifactStore(join(await tempDir(t), 'artifacts'));
  const v1 = { 'index.html': '<h1>1</h1>', 'assets/vendor.js': vendor, 'assets/app.js': 'console.log(1)' };
  const v2 = { 'index.html': '<h1>2</h1>', 'assets/vendor.js': vendor, 'assets/app.js': 'console.log(2)' };
  await publish(store, '1.0.0', v1);
  await publish(store, '2.0.0', v2);
  assert.deepEqual(await filesIn(store.versionDir('site', '1.0.0')), v1);
  assert.deepEqual(await filesIn(store.versionDir('site', '2.0.0')), v2);
  const [a, b] = ['1.0.0', '2.0.0'].map((v) => join(store.versionDir('site', v), 'assets'));
  assert.equal(await inode(join(a!, 'vendor.js')), await inode(join(b!, 'vendor.js')), 'the unchanged vendor.js is one file on disk');
  assert.notEqual(await inode(join(a!, 'app.js')), await inode(join(b!, 'app.js')));
  assert.deepEqual(await readdir(store.projectDir('site')), ['1.0.0', '2.0.0', 'archive'], 'beside the versions, only their archives');
  assert.deepEqual(await readdir(join(store.projectDir('site'), 'archive')), ['1.0.0.tar.gz', '2.0.0.tar.gz']);

  await store.remove('site', '1.0.0');
  assert.deepEqual(await readdir(join(store.projectDir('site'), 'archive')), ['2.0.0.tar.gz'], 'the archive goes with its version');
  assert.equal(await readFile(join(b!, 'vendor.js'), 'utf8'), vendor, 'a content still used by 2.0.0 outlives 1.0.0');

  // Files are absorbed several at a time: copies of one new content in one build still end up one file.
  const copies = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`copies/c${i}.js`, `export const same = ${JSON.stringify('same '.repeat(500))};`]));
  await publish(store, '3.0.0', { 'index.html': '3', ...copies });
  const inodes = await Promise.all(Object.keys(copies).map((path) => inode(join(store.versionDir('site', '3.0.0'), path))));
  assert.equal(new Set(inodes).size, 1, 'twenty copies, one file on disk');

  await store.remove('site', '2.0.0');
  await store.remove('site', '3.0.0');
  assert.equal(existsSync(store.projectDir('site')), false, 'its last version removed, the project leaves no empty archive/ behind');
  await publish(store, '4.0.0', { 'index.html': '4' });
  assert.deepEqual(await readdir(store.projectDir('site')), ['4.0.0', 'archive'], 'and a new version finds its place again');
});

test('a version without a stored archive (published before they were) gets one made when asked, leaving no snapshot behind, even when abandoned', async (t) => {
  const root = join(await tempDir(t), 'artifacts');
  const store = new FsArtifactStore(root);
  const files = { 'index.html': '<h1>1</h1>', 'assets/vendor.js': vendor };
  await publish(store, '1.0.0', files);
  await rm(store.archivePath('site', '1.0.0'));
  assert.deepEqual(await archiveFiles(store, '1.0.0'), files);
  assert.equal(await store.openArchive('site', '9.9.9'), undefined);

  const abandoned = await store.openArchive('site', '1.0.0');
  for await (const _ of abandoned?.stream ?? []) break; // a client that hangs up after the first bytes
  const snapshots = join(root, '.opus', 'snapshots');
  const left = async () => (existsSync(snapshots) ? await readdir(snapshots) : []);
  for (let i = 0; i < 100 && (await left()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await left(), [], 'snapshots are removed');
});

test('an archive being downloaded while its version is removed is still whole', async (t) => {
  const store = new FsArtifactStore(join(await tempDir(t), 'artifacts'));
  const files = { 'index.html': '<h1>1</h1>', 'assets/vendor.js': vendor };
  await publish(store, '1.0.0', files);
  const archive = await store.openArchive('site', '1.0.0');
  await store.remove('site', '1.0.0');
  const dir = await tempDir(t);
  await pipeline(archive!.stream, tar.x({ cwd: dir }));
  assert.deepEqual(await filesIn(dir), files);
});

test('an archive taken while rebuilds replace the version holds one build whole, never a mix', async (t) => {
  const store = new FsArtifactStore(join(await tempDir(t), 'artifacts'));
  const build = (tag: string) => Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`assets/f${i}.js`, `// ${tag} ${i}\n${'x'.repeat(4000)}\n`]));
  const builds = { a: build('a'), b: build('b') };
  await publish(store, '1.0.0', builds.a);
  let rebuilding = true;
  const rebuilds = (async () => {
    for (let i = 1; i <= 6; i++) await publish(store, '1.0.0', i % 2 ? builds.b : builds.a);
    rebuilding = false;
  })();
  const seen: string[] = [];
  while (rebuilding) {
    const files = await archiveFiles(store, '1.0.0');
    seen.push(isDeepStrictEqual(files, builds.a) ? 'a' : isDeepStrictEqual(files, builds.b) ? 'b' : `mixed: ${Object.values(files ?? {}).join('').slice(0, 200)}`);
  }
  await rebuilds;
  assert.ok(seen.length >= 2, `archives taken during the rebuilds: ${seen.length}`);
  assert.deepEqual(seen.filter((s) => s !== 'a' && s !== 'b'), []);
});
