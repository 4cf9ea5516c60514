// The filesystem store keeps each version's tar.gz at <project>/archive/<version>.tar.gz, made at
// publish and reproducible: the same output gives the same bytes whichever directory, clock or
// store made it. The archive endpoint sends that file with its Content-Length.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, symlink, utimes } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tar from 'tar';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { startSiteServer } from '../support/site-server.js';

const output = { 'index.html': '<h1>1</h1>', 'b/z.js': 'z', 'b/a.js': 'a', 'a.css': 'x{}', 'copy.css': 'x{}', 'B.txt': 'upper' };

async function publishAt(root: string, t: Parameters<typeof tempDir>[0], mtime: Date): Promise<FsArtifactStore> {
  const store = new FsArtifactStore(root);
  const stage = await store.createStaging('site', '1.0.0');
  const staging = stage.dir;
  await writeFiles(staging, output);
  for (const path of Object.keys(output)) await utimes(join(staging, path), mtime, mtime);
  await stage.publish();
  return store;
}

interface Entry { path: string; type: string; mode: number; uid: number | undefined; gid: number | undefined; mtime: number; uname: string | undefined }

async function entriesOf(file: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  await tar.t({ file, onReadEntry: (e) => entries.push({ path: e.path, type: e.type, mode: e.mode ?? -1, uid: e.uid, gid: e.gid, mtime: e.mtime?.getTime() ?? -1, uname: e.uname }) });
  return entries;
}

test('two publishes of the same output, in different directories at different times, store byte-identical archives', async (t) => {
  const a = await publishAt(join(await tempDir(t), 'one'), t, new Date('2020-01-01T00:00:00Z'));
  const b = await publishAt(join(await tempDir(t), 'other-place'), t, new Date('2025-06-30T12:34:56Z'));
  const [first, second] = await Promise.all([a, b].map((s) => readFile(s.archivePath('site', '1.0.0'))));
  assert.ok(first && second && first.length > 0);
  assert.ok(first.equals(second), 'the same bytes');
  // gzip header: magic, deflate, no flags (no file name), mtime 0, OS byte 255 ("unknown").
  assert.deepEqual([...first.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);

  const entries = await entriesOf(a.archivePath('site', '1.0.0'));
  assert.deepEqual(entries.map((e) => e.path), ['B.txt', 'a.css', 'b/a.js', 'b/z.js', 'copy.css', 'index.html'], 'exactly the files, sorted');
  for (const e of entries) {
    // copy.css shares its content (and inode) with a.css: still a file of its own, not a link.
    assert.deepEqual({ type: e.type, mode: e.mode, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime, uname: e.uname ?? '' }, { type: 'File', mode: 0o644, uid: 0, gid: 0, mtime: 0, uname: '' }, e.path);
  }
});

test('only the confined output is archived: a link out of the output is not in it', async (t) => {
  const store = new FsArtifactStore(join(await tempDir(t), 'artifacts'));
  const stage = await store.createStaging('site', '1.0.0');
  const staging = stage.dir;
  await writeFiles(staging, { 'index.html': 'hi' });
  await symlink('/etc/passwd', join(staging, 'passwd'));
  await symlink('index.html', join(staging, 'alias.html'));
  await stage.publish();
  assert.deepEqual((await entriesOf(store.archivePath('site', '1.0.0'))).map((e) => e.path), ['alias.html', 'index.html']);
});

test('a forced rebuild replaces the archive; removing the version removes it', async (t) => {
  const store = new FsArtifactStore(join(await tempDir(t), 'artifacts'));
  for (const content of ['old', 'new']) {
    const stage = await store.createStaging('site', '1.0.0');
    const staging = stage.dir;
    await writeFiles(staging, { [`${content}.html`]: content });
    await stage.publish();
  }
  assert.deepEqual((await entriesOf(store.archivePath('site', '1.0.0'))).map((e) => e.path), ['new.html']);
  await store.remove('site', '1.0.0');
  assert.equal(existsSync(store.archivePath('site', '1.0.0')), false);
  assert.equal(existsSync(join(store.projectDir('site'), 'archive')), false, 'nor an empty archive/ once no version is left');
});

test('the archive endpoint sends the stored file with its Content-Length, not chunked, and no snapshot', async (t) => {
  const server = await startSiteServer(await tempDir(t, 'opus-archives-file-'), { api: {} });
  t.after(() => server.close());
  await server.publish('site', '1.0.0', { 'index.html': 'x', 'app.js': 'y'.repeat(50_000) });
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    get(`${server.url}/api/v1/projects/site/artifacts/1.0.0/archive`, { headers: { Host: 'opus.localhost' } }, resolve).on('error', reject));
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const stored = await readFile(join(server.store.root, 'site', 'archive', '1.0.0.tar.gz'));
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['transfer-encoding'], undefined);
  assert.equal(response.headers['content-length'], String(stored.length));
  assert.ok(Buffer.concat(chunks).equals(stored), 'the body is the stored archive');
  const snapshots = join(server.store.root, '.opus', 'snapshots');
  assert.deepEqual(existsSync(snapshots) ? await readdir(snapshots) : [], []);
});
