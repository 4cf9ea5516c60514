// The background sweep of a restart runs beside builds: it must never take what a build under way
// or a version still holds, and a publish must not wait for a collection of a large store.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ContentStore, hashFile } from '../../src/adapters/fs/content-store.js';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { tempDir, writeFiles } from '../support/fixtures.js';

const filesOf = (prefix: string, count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`f/${i}.txt`, `${prefix} ${i}`]));

async function contentsHeld(store: ContentStore, tree: string): Promise<string[]> {
  const missing: string[] = [];
  for (const entry of await readdir(tree, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const stored = await lstat(store.pathOf(await hashFile(path))).catch(() => undefined);
    if (stored?.ino !== (await lstat(path)).ino) missing.push(path.slice(tree.length + 1));
  }
  return missing;
}

test('a collection beside a publish that links the very contents it found unheld keeps every one of them', async (t) => {
  const dir = await tempDir(t, 'opus-gc-race-');
  const store = new ContentStore(join(dir, 'cas'));
  // 3,000 contents nothing holds any more (their tree is gone)...
  await writeFiles(join(dir, 'old'), filesOf('v', 3000));
  await store.absorb(join(dir, 'old'));
  await rm(join(dir, 'old'), { recursive: true });
  // ...and a publish of half of them again, started while the collection walks the store.
  await writeFiles(join(dir, 'new'), filesOf('v', 1500));
  const collected = store.collectGarbage();
  await store.absorb(join(dir, 'new'));
  const removed = await collected;

  assert.deepEqual(await contentsHeld(store, join(dir, 'new')), [], 'every file published is still a link to its stored content');
  const stored = (await readdir(store.dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  assert.equal(stored.length, 1500, 'what nothing holds went, what the publish holds stayed');
  assert.ok(removed >= 1500 && removed <= 3000, `${removed} contents collected`);
});

test('the sweep after a restart takes what a killed server left, never a build under way nor an archive being published', async (t) => {
  const root = join(await tempDir(t, 'opus-sweep-store-'), 'artifacts');
  const store = new FsArtifactStore(root);
  const publish = async (version: string) => {
    const staging = await store.createStaging('site', version);
    await writeFiles(staging.dir, { 'index.html': `${version}\n`, ...filesOf(version, 50) });
    await staging.publish();
  };
  await publish('1.0.0');
  // A kill mid-build left its staging (and the contents it absorbed: linked from there only).
  const killed = await store.createStaging('site', '1.1.0');
  await writeFiles(killed.dir, filesOf('killed', 50));
  await new ContentStore(join(root, '.opus', 'cas')).absorb(killed.dir);

  // The restart: set aside before serving; then a build starts, and the sweep runs beside it.
  await store.setAsideAbandoned();
  const underWay = await store.createStaging('site', '1.1.0');
  await writeFiles(underWay.dir, { 'index.html': '1.1.0\n', ...filesOf('1.1.0', 50) });
  const swept = await store.sweepAbandoned();
  assert.deepEqual(swept, { leftovers: 1, archives: 0, contents: 50 }, 'the killed build\'s staging and the contents only it held');
  assert.ok(existsSync(join(underWay.dir, 'index.html')), 'the staging of the build under way is untouched');
  await underWay.publish();

  // Publishes and sweeps at once: every version arrives whole, with its archive.
  let publishing = true;
  const sweeps = (async () => {
    while (publishing) await store.sweepAbandoned();
  })();
  for (const version of ['1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0']) await publish(version);
  publishing = false;
  await sweeps;
  for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0']) {
    assert.equal(await readFile(join(store.versionDir('site', version), 'index.html'), 'utf8'), `${version}\n`);
    assert.ok(existsSync(store.archivePath('site', version)), `${version} has its archive`);
    assert.deepEqual(await contentsHeld(new ContentStore(join(root, '.opus', 'cas')), store.versionDir('site', version)), [], `${version}'s contents are stored`);
  }
  assert.deepEqual(await readdir(join(root, '.opus', 'staging')), [], 'no staging left');
  assert.equal(existsSync(join(root, '.opus', 'leftovers')), false);
});

test('removing a version takes the contents only it held and keeps those other versions share; a discarded build takes what it absorbed', async (t) => {
  const root = join(await tempDir(t, 'opus-discard-tree-'), 'artifacts');
  const store = new FsArtifactStore(root);
  const cas = new ContentStore(join(root, '.opus', 'cas'));
  const storedCount = async () => (await readdir(cas.dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && !e.name.includes('.')).length;
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
    const staging = await store.createStaging('site', version);
    // 20 files shared by every version, 10 of its own, and one of its own twice (one content).
    await writeFiles(staging.dir, { ...filesOf('shared', 20), ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`own/${i}.txt`, `${version} ${i}`])), 'a.txt': version, 'b.txt': version });
    await staging.publish();
  }
  assert.equal(await storedCount(), 20 + 3 * 11);
  await store.remove('site', '1.1.0');
  assert.equal(await storedCount(), 20 + 2 * 11, 'its own 11 contents went');
  for (const version of ['1.0.0', '1.2.0']) assert.deepEqual(await contentsHeld(cas, store.versionDir('site', version)), [], `${version} keeps all its contents`);

  const failed = await store.createStaging('site', '1.3.0');
  await writeFiles(failed.dir, filesOf('failed', 5));
  await cas.absorb(failed.dir);
  assert.equal(await storedCount(), 20 + 2 * 11 + 5);
  await failed.discard();
  assert.equal(await storedCount(), 20 + 2 * 11, 'a build discarded after its output was stored leaves none of it');
});
