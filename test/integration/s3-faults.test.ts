// The S3 store against the S3 stand-in (test/support/s3-stand-in.ts): conditional writes as S3
// answers them (s3rver ignores them), two replicas writing the live pointers at the same moment,
// a rebuild while a mirror reads the old build, and a publish while the store answers 503 SlowDown
// to a share of all requests.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { S3ArtifactStore } from '../../src/adapters/s3/s3-artifact-store.js';
import { isConditionFailed, PART_BYTES } from '../../src/adapters/s3/s3-objects.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { startS3StandIn, type S3StandIn } from '../support/s3-stand-in.js';

let standIn: S3StandIn;
let s3rver: S3TestServer;
before(async () => {
  [standIn, s3rver] = await Promise.all([startS3StandIn(), startS3Server()]);
});
after(() => Promise.all([standIn.close(), s3rver.close()]));

const prefix = () => `t-${randomUUID().slice(0, 8)}/`;
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

test('conditional writes: If-None-Match * creates once, If-Match writes only over the ETag it names (s3rver ignores both)', async () => {
  const objects = standIn.objects(prefix());
  const first = await objects.putText('live.json', '{"a":1}', 'application/json', { ifNoneMatch: '*' });
  assert.ok(isConditionFailed(await rejection(objects.putText('live.json', '{"b":1}', 'application/json', { ifNoneMatch: '*' }))), 'a second create is refused');
  const second = await objects.putText('live.json', '{"a":2}', 'application/json', { ifMatch: first });
  assert.notEqual(second, first);
  const stale = await rejection(objects.putText('live.json', '{"a":3}', 'application/json', { ifMatch: first }));
  assert.equal((stale as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 412);
  assert.ok(isConditionFailed(stale));
  assert.equal((await rejection(objects.putText('none.json', '{}', 'application/json', { ifMatch: first })) as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 404, 'If-Match on no object: 404 NoSuchKey, as AWS');
  assert.equal(await objects.getText('live.json'), '{"a":2}');

  const plain = s3rver.objects(prefix());
  const tag = await plain.putText('live.json', '{"a":1}');
  await plain.putText('live.json', '{"a":2}', 'application/json', { ifNoneMatch: '*' });
  await plain.putText('live.json', '{"a":3}', 'application/json', { ifMatch: tag });
  assert.equal(await plain.getText('live.json'), '{"a":3}', 's3rver wrote over both conditions: why the stand-in exists');
});

test('two replicas setting different projects live at the same moment lose no update (20 rounds)', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  const one = new S3ArtifactStore(standIn.objects(shared), join(dir, 'one'));
  const two = new S3ArtifactStore(standIn.objects(shared), join(dir, 'two'));
  const lost: string[] = [];
  for (let round = 1; round <= 20; round++) {
    const version = `${round}.0.0`;
    await Promise.all([one.setLive('alpha', { version, domains: [] }), two.setLive('beta', { version, domains: [] })]);
    const live = await one.readLive();
    if (live.alpha?.version !== version || live.beta?.version !== version) lost.push(`round ${round}: alpha ${live.alpha?.version}, beta ${live.beta?.version}`);
  }
  assert.deepEqual(lost, []);
  assert.ok(standIn.stats.preconditionFailed > 0, 'the writes did race (and the loser wrote again)');
});

test('writes of the live pointers are fenced by the Lease term: an old leader cannot overwrite its successor, a follower cannot write', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  let oldTerm: number | undefined = 1;
  const old = new S3ArtifactStore(standIn.objects(shared), join(dir, 'old'), () => oldTerm);
  const successor = new S3ArtifactStore(standIn.objects(shared), join(dir, 'new'), () => 2);
  await old.setLive('alpha', { version: '1.0.0', domains: [] });
  await successor.setLive('beta', { version: '1.0.0', domains: [] });
  // The old leader has not noticed yet: its write is refused, and it changes nothing.
  await assert.rejects(old.setLive('alpha', { version: '0.9.0', domains: [] }), /written in term 2; this replica's term 1 is over/);
  oldTerm = undefined;
  await assert.rejects(old.setLive('alpha', { version: '0.9.0', domains: [] }), /does not hold the sync Lease/);
  const live = await successor.readLive();
  assert.deepEqual(Object.keys(live).sort(), ['alpha', 'beta'], 'the term is not a project');
  assert.equal(live.alpha?.version, '1.0.0');
  await successor.setLive('alpha', { version: '2.0.0', domains: [] });
  assert.equal((await old.readLive()).alpha?.version, '2.0.0');
});

test('a rebuild never touches the build a mirror reads: with its files all up and its marker not yet written, a download takes the old build whole; then the new one, and the old objects are gone', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  const store = new S3ArtifactStore(standIn.objects(shared), join(dir, 'local'));
  const staging = await store.createStaging('site', '1.0.0');
  await writeFiles(staging.dir, { 'index.html': '<script src="a.js"></script> one', 'a.js': 'one' });
  await staging.publish();
  const read = async (name: string) => {
    assert.ok(await store.download('site', '1.0.0', join(dir, name)), `${name}: the download took a whole build`);
    return [await readFile(join(dir, name, 'index.html'), 'utf8'), await readFile(join(dir, name, 'a.js'), 'utf8')];
  };
  // The rebuild's marker write answers 503 until released: every file and the archive of the new build are up by then.
  const before = standIn.stats.slowDowns;
  standIn.slowDown(1, (method, path) => method === 'PUT' && path.includes('/.opus/versions/'));
  const rebuild = await store.createStaging('site', '1.0.0');
  await writeFiles(rebuild.dir, { 'index.html': '<script src="a.js"></script> two', 'a.js': 'two' });
  const publishing = rebuild.publish();
  try {
    while (standIn.stats.slowDowns === before) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await read('mid'), ['<script src="a.js"></script> one', 'one'], 'the old build, whole, while the rebuild is up but not the version');
  } finally {
    standIn.slowDown(0);
  }
  await publishing;
  assert.deepEqual(await read('after'), ['<script src="a.js"></script> two', 'two']);
  const objects = (await standIn.objects(shared).list('site/')).map((o) => o.path);
  assert.equal(objects.length, 3, `the new build's two files and archive only: ${objects.join(', ')}`);
});

test('a publish while a quarter of all requests answer 503 SlowDown: every file and the archive land, a large file in retried parts', async (t) => {
  const dir = await tempDir(t);
  const store = new S3ArtifactStore(standIn.objects(prefix()), join(dir, 'local'));
  const staging = await store.createStaging('site', '1.0.0');
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`assets/f${i}.js`] = `export const n = ${i};\n`;
  await writeFiles(staging.dir, { 'index.html': '<h1>one</h1>', ...files });
  const big = randomBytes(PART_BYTES * 2 + 12345);
  await writeFile(join(staging.dir, 'video.bin'), big);
  const before = { ...standIn.stats };
  standIn.slowDown(0.25);
  try {
    const published = await staging.publish();
    assert.equal(published.files, 32);
  } finally {
    standIn.slowDown(0);
  }
  assert.ok(standIn.stats.slowDowns - before.slowDowns >= 5, `only ${standIn.stats.slowDowns - before.slowDowns} requests failed`);
  assert.ok(standIn.stats.parts - before.parts >= 3, 'the large file went up in parts');
  assert.deepEqual((await store.listBuilt('site')).map((v) => v.version), ['1.0.0']);
  const archive = await store.openArchive('site', '1.0.0');
  assert.ok(archive && archive.bytes > 0, 'the archive is there');
  archive?.stream.destroy();
  // Read back through the store's own mirroring download, as a replica would.
  const copy = join(dir, 'copy');
  assert.ok(await store.download('site', '1.0.0', copy));
  assert.ok((await readFile(join(copy, 'video.bin'))).equals(big), 'the large file is byte for byte what was built');
  assert.equal(await readFile(join(copy, 'assets/f29.js'), 'utf8'), 'export const n = 29;\n');
});
