// Fenced, conditional writes of a shared S3 store, against the S3 stand-in (test/support/s3-stand-in.ts,
// which honours If-Match/If-None-Match as S3 does and s3rver does not): an old leader can neither
// publish over nor record over what its successor wrote, even when it was already mid-publish; two
// publishes of one version at once leave one whole build; the build service turns a refused write
// into a handed-over build; multipart uploads that fail or that a killed process left are aborted;
// what a cut-short publish left is swept.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../src/adapters/s3/s3-artifact-store.js';
import { PART_BYTES, s3Client } from '../../src/adapters/s3/s3-objects.js';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import { FencedWrite } from '../../src/domain/fencing.js';
import type { ProjectSpec } from '../../src/domain/desired-state.js';
import type { BuildRecord } from '../../src/ports/artifact-store.js';
import type { OpusEvent } from '../../src/ports/event-sink.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { makeSourceRepo, tempDir, writeFiles } from '../support/fixtures.js';
import { startS3StandIn, type S3StandIn } from '../support/s3-stand-in.js';

let standIn: S3StandIn;
before(async () => {
  standIn = await startS3StandIn();
});
after(() => standIn.close());

const prefix = () => `t-${randomUUID().slice(0, 8)}/`;
const record = (version: string, status: BuildRecord['status']): BuildRecord => ({ project: 'site', version, status, startedAt: '2024-01-01T00:00:00.000Z', attempts: 0, settings: 'k' });

async function publish(store: S3ArtifactStore, version: string, files: Record<string, string>) {
  const staging = await store.createStaging('site', version);
  await writeFiles(staging.dir, files);
  return staging.publish();
}

/** Every object under the project, and what a mirror downloads of the version. */
async function state(store: S3ArtifactStore, shared: string, dir: string) {
  const objects = (await standIn.objects(shared).list('site/')).map((o) => o.path).sort();
  const copy = join(dir, `copy-${randomUUID().slice(0, 6)}`);
  return { objects, downloaded: (await store.download('site', '1.0.0', copy)) !== undefined };
}

test('a publish in an older term is refused (FencedWrite) and leaves nothing; so is one from a replica that does not lead', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  let oldTerm: number | undefined = 1;
  const old = new S3ArtifactStore(standIn.objects(shared), join(dir, 'old'), () => oldTerm);
  const successor = new S3ArtifactStore(standIn.objects(shared), join(dir, 'new'), () => 2);
  await publish(old, '1.0.0', { 'index.html': 'old' });
  await publish(successor, '1.0.0', { 'index.html': 'new' });
  await assert.rejects(publish(old, '1.0.0', { 'index.html': 'stale' }), (error) => error instanceof FencedWrite && /written in term 2; this replica's term 1 is over/.test(error.message));
  oldTerm = undefined;
  await assert.rejects(publish(old, '2.0.0', { 'index.html': 'follower' }), (error) => error instanceof FencedWrite && /does not hold the sync Lease/.test(error.message));
  await assert.rejects(old.remove('site', '1.0.0'), FencedWrite);
  const after = await state(successor, shared, dir);
  assert.ok(after.downloaded);
  assert.equal(after.objects.length, 2, `the successor's index.html and archive only: ${after.objects.join(', ')}`);
  assert.deepEqual((await successor.listBuilt('site')).map((v) => v.version), ['1.0.0']);
});

test('an old leader already mid-publish when its successor publishes the version: its marker write is refused and its objects go', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  const old = new S3ArtifactStore(standIn.objects(shared), join(dir, 'old'), () => 1);
  const successor = new S3ArtifactStore(standIn.objects(shared), join(dir, 'new'), () => 2);
  // The old leader's marker write (the term-1 writer's PUT of .opus/versions/…) answers 503 until the successor is done.
  const before = standIn.stats.slowDowns;
  standIn.slowDown(1, (method, path, { headers }) => method === 'PUT' && path.includes('/.opus/versions/') && headers['x-amz-meta-opus-term'] === '1');
  const stale = publish(old, '1.0.0', Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.js`, 'old'])));
  try {
    while (standIn.stats.slowDowns === before) await new Promise((r) => setTimeout(r, 5));
    await publish(successor, '1.0.0', { 'index.html': 'new' });
  } finally {
    standIn.slowDown(0);
  }
  await assert.rejects(stale, FencedWrite);
  const after = await state(successor, shared, dir);
  assert.ok(after.downloaded, 'the successor\'s build is the version');
  assert.equal(after.objects.length, 2, `nothing of the refused build is left: ${after.objects.join(', ')}`);
});

test('build records are fenced: an old leader cannot record over its successor, a follower cannot record', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  let oldTerm: number | undefined = 1;
  const old = new S3ArtifactStore(standIn.objects(shared), join(dir, 'old'), () => oldTerm);
  const successor = new S3ArtifactStore(standIn.objects(shared), join(dir, 'new'), () => 2);
  await old.writeBuild(record('1.0.0', 'running'));
  await successor.writeBuild(record('1.0.0', 'queued'));
  await assert.rejects(old.writeBuild(record('1.0.0', 'failed')), (error) => error instanceof FencedWrite && /build record of site@1\.0\.0: written in term 2/.test(error.message));
  oldTerm = undefined;
  await assert.rejects(old.writeBuild(record('2.0.0', 'running')), FencedWrite);
  assert.equal((await successor.readBuild('site', '1.0.0'))?.status, 'queued');
  assert.equal(await successor.readBuild('site', '2.0.0'), undefined);
});

test('two publishes of one version at the same moment: one build is the version, whole, and nothing of the other is left (10 rounds)', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  const one = new S3ArtifactStore(standIn.objects(shared), join(dir, 'one'));
  const two = new S3ArtifactStore(standIn.objects(shared), join(dir, 'two'));
  const wrong: string[] = [];
  for (let round = 1; round <= 10; round++) {
    await Promise.all([publish(one, '1.0.0', { 'index.html': `one ${round}`, 'a.js': 'a' }), publish(two, '1.0.0', { 'index.html': `two ${round}`, 'b.js': 'b' })]);
    const now = await state(one, shared, dir);
    if (!now.downloaded || now.objects.length !== 3) wrong.push(`round ${round}: ${now.downloaded ? 'whole' : 'not whole'}, ${now.objects.length} objects`);
  }
  assert.deepEqual(wrong, []);
});

test('the build service hands a build over when the store refuses its publish for an older term: queued again, no failure event', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  const source = await makeSourceRepo(join(dir, 'src'), { '1.0.0': { 'index.html': 'v1' } });
  const old = new S3ArtifactStore(standIn.objects(shared), join(dir, 'old'), () => 1);
  const successor = new S3ArtifactStore(standIn.objects(shared), join(dir, 'new'), () => 2);
  const events: Omit<OpusEvent, 'at'>[] = [];
  // A stand-in for the Docker runner: writes the output, while the successor (term 2) publishes the same version.
  const runner = {
    run: async (job: { outputDir: string }) => {
      await writeFile(join(job.outputDir, 'index.html'), 'built by the old leader');
      await publish(successor, '1.0.0', { 'index.html': 'built by the successor' });
    },
  };
  const spec: ProjectSpec = { name: 'site', file: 'projects/site.yaml', source, deploy: '1.0.0', build: { image: 'node:20', command: 'true', output: 'dist', env: {}, network: 'none', timeoutMs: 60_000, memoryBytes: 512 * 1024 ** 2 }, domains: [], keep: 5, site: { spa: false, redirects: [], headers: [] } };
  const service = new BuildService(old, new GitSourceRepos(), runner, silentLogger, { emit: (event) => events.push(event) }, undefined, join(dir, 'checkouts'));
  const result = await service.build(spec, '1.0.0');
  assert.equal(result.status, 'queued', 'handed over, not failed');
  assert.deepEqual(events.map((e) => e.event), ['build.started'], 'no build.failed');
  const copy = join(dir, 'mirror');
  assert.ok(await successor.download('site', '1.0.0', copy));
});

test('a multipart upload that fails for good is aborted: no parts left behind', async (t) => {
  const dir = await tempDir(t);
  const objects = standIn.objects(prefix());
  const file = join(dir, 'big.bin');
  await writeFile(file, randomBytes(PART_BYTES + 1000));
  // A part refused for good (403: no retries), after the first part landed.
  let parts = 0;
  standIn.slowDown(1, (method, _path, { query }) => method === 'PUT' && query.has('partNumber') && ++parts > 1, { status: 403, code: 'AccessDenied' });
  try {
    await assert.rejects(objects.putFile('big.bin', file, PART_BYTES + 1000), /Refused by the stand-in/);
  } finally {
    standIn.slowDown(0);
  }
  assert.equal(parts, 2, 'the first part went up, the second was refused');
  assert.deepEqual(standIn.openUploads().filter((u) => u.key.startsWith(objects.location.prefix)), []);
});

test('the startup sweep aborts uploads a killed process left and removes builds no marker names, once they are old enough', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  const objects = standIn.objects(shared);
  const store = new S3ArtifactStore(objects, join(dir, 'local'));
  await publish(store, '1.0.0', { 'index.html': 'live' });
  // What a killed publisher left: a multipart upload begun with a part sent, a build of 1.0.0 uploaded but never named, a version without its marker.
  const client = s3Client({ endpoint: standIn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  t.after(() => client.destroy());
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: standIn.bucket, Key: `${shared}site/1.0.0/killed/big.bin` }));
  await client.send(new UploadPartCommand({ Bucket: standIn.bucket, Key: `${shared}site/1.0.0/killed/big.bin`, UploadId, PartNumber: 1, Body: randomBytes(1000) }));
  for (const path of ['site/1.0.0/killed/index.html', 'site/archive/1.0.0/killed.tar.gz', 'site/2.0.0/cut/index.html', 'site/archive/2.0.0/cut.tar.gz']) await objects.putText(path, 'x', 'text/plain');
  const named = (await objects.list('site/')).length - 4;
  assert.deepEqual(await store.sweepAbandoned(), { uploads: 0, objects: 0 }, 'nothing is taken while it may be an upload under way');
  assert.deepEqual(await store.sweepAbandoned(undefined, Date.now() + 31 * 60_000), { uploads: 1, objects: 4 });
  assert.deepEqual(standIn.openUploads().filter((u) => u.key.startsWith(shared)), []);
  await assert.rejects(client.send(new UploadPartCommand({ Bucket: standIn.bucket, Key: `${shared}site/1.0.0/killed/big.bin`, UploadId, PartNumber: 2, Body: 'x' })), (error: Error) => error.name === 'NoSuchUpload');
  assert.equal((await objects.list('site/')).length, named, 'the live build is kept');
  assert.ok(await store.download('site', '1.0.0', join(dir, 'copy')));
});

test('the serving settings are fenced like the live pointers: an old leader cannot put back the preview domain its successor changed', async (t) => {
  const dir = await tempDir(t);
  const shared = prefix();
  const old = new S3ArtifactStore(standIn.objects(shared), join(dir, 'old'), () => 1);
  const successor = new S3ArtifactStore(standIn.objects(shared), join(dir, 'new'), () => 2);
  await old.writeServing({ previewDomain: 'old.example.com' });
  await successor.writeServing({ previewDomain: 'new.example.com' });
  await assert.rejects(old.writeServing({ previewDomain: 'old.example.com' }), (error) => error instanceof FencedWrite && /serving settings: written in term 2/.test(error.message));
  assert.deepEqual(await old.readServing(), { previewDomain: 'new.example.com' }, 'every replica reads the successor\'s, without the term');
});
