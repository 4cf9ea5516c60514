// Two serving replicas on one shared S3 store (s3rver on 127.0.0.1): real listening servers with
// their own data dirs, a real config repo and real Docker builds on the one that syncs. The other
// never syncs; both serve from their local mirror and switch versions together.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer, type RunningServer, type ServerOptions } from '../../src/runtime/start-server.js';
import { createLogger } from '../../src/services/logger.js';
import { cleanDocker, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, opus, tempDir, writeFiles } from '../support/fixtures.js';
import { startS3Server } from '../support/s3-server.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

if (!process.env.DOCKER_HOST && existsSync('/run/opus-docker/docker.sock')) process.env.DOCKER_HOST = 'unix:///run/opus-docker/docker.sock';

const APP_JS = `${'console.log("opus replicas");\n'.repeat(200)}`;

/** Several replicas share one token (OPUS_API_TOKEN): each would make an admin token of its own otherwise. */
const TOKEN = 'replicas-test-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

const page = async (url: string): Promise<{ status: number; body: string }> => {
  const response = await localFetch(url);
  return { status: response.status, body: await response.text() };
};

/** fetch cannot choose the Host header: node:http can. */
function hostPage(base: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${base}/`, { headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    }).on('error', reject).end();
  });
}

/** Asks a replica for the page every 20 ms and remembers when it first answered `body`. */
function watchFor(url: string, body: string): { firstAt: Promise<number>; stop(): void } {
  let stopped = false;
  const firstAt = (async () => {
    while (!stopped) {
      const seen = await page(url).catch(() => undefined);
      if (seen?.body === body) return Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Number.NaN;
  })();
  return { firstAt, stop: () => void (stopped = true) };
}

test('two replicas on one S3 store: both serve, switch within a second of each other, follow removals and restarts', { timeout: 120_000 }, async (t) => {
  const project = `rep-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-replicas-');
  const s3 = await startS3Server();
  t.after(() => s3.close());
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': 'v1\n', 'public/static/app.js': APP_JS }, '2.0.0': { 'public/index.html': 'v2\n' } });
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': 'sync:\n  interval: 1h\npreviews:\n  domain: preview.test\n', [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.0.0' }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');

  const s3Options = { url: `s3://${s3.bucket}/replicas-${randomUUID().slice(0, 8)}`, endpoint: s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
  const logs = { leader: [] as string[], follower: [] as string[] };
  const replica = (name: 'leader' | 'follower', extra: Partial<ServerOptions> = {}): Promise<RunningServer> =>
    startServer({ dataDir: join(dir, name), config: configDir, port: 0, host: '127.0.0.1', syncIntervalMs: 3_600_000, logger: createLogger('json', (line) => void logs[name].push(line)), s3: s3Options, apiToken: TOKEN, ...extra });
  const leader = await replica('leader');
  t.after(() => leader.close());
  let follower = await replica('follower', { leader: { isLeader: () => false, leaderUrl: () => leader.url } });
  t.after(() => follower.close());

  // v1: built by the leader's first sync, served by both from their mirrors.
  for (const server of [leader, follower]) await eventually(async () => ((await page(`${siteOrigin(server.url, project)}/`)).body === 'v1\n' ? true : undefined), 60_000, `v1 on ${server.url}`);
  assert.ok(existsSync(join(dir, 'follower', 'mirror', project, '1.0.0', 'index.html')), 'the follower serves from its own mirror');
  const compressed = await localFetch(`${siteOrigin(follower.url, project)}/static/app.js`, { headers: { 'Accept-Encoding': 'br' } });
  assert.equal(compressed.headers.get('content-encoding'), 'br', 'the mirror made the precompressed variants');
  assert.equal(await compressed.text(), APP_JS);

  // v2: a deploy commit, one sync of the leader; both replicas switch, within a second of each other.
  await writeFiles(configDir, { [`projects/${project}.yaml`]: projectYaml(source, { deploy: '2.0.0' }) });
  gitSync(configDir, 'commit', '--quiet', '-am', 'deploy 2.0.0');
  const watchers = [watchFor(`${siteOrigin(leader.url, project)}/`, 'v2\n'), watchFor(`${siteOrigin(follower.url, project)}/`, 'v2\n')];
  t.after(() => watchers.forEach((w) => w.stop()));
  await leader.sync.sync();
  const giveUp = setTimeout(() => watchers.forEach((w) => w.stop()), 60_000);
  const [leaderAt = Number.NaN, followerAt = Number.NaN] = await Promise.all(watchers.map((w) => w.firstAt));
  clearTimeout(giveUp);
  assert.ok(Number.isFinite(leaderAt) && Number.isFinite(followerAt), 'v2 was served by both replicas within 60 s');
  t.diagnostic(`the replicas first served v2 ${followerAt - leaderAt} ms apart (follower minus leader)`);
  assert.ok(Math.abs(leaderAt - followerAt) < 1_000, `the replicas switched ${Math.abs(leaderAt - followerAt)} ms apart`);
  assert.equal(logs.leader.filter((line) => line.includes('"build succeeded"')).length, 2, 'the leader built both versions in Docker');
  assert.equal((await page(`${siteOrigin(follower.url, `1-0-0--${project}`)}/`)).body, 'v1\n', 'a built version stays reachable on the follower');
  // Preview hosts (opus.yaml previews.domain, read by the leader's sync) work on every replica.
  // Replicas read it from the shared store with the list of versions, every few seconds.
  for (const server of [leader, follower]) await eventually(async () => ((await hostPage(server.url, `1-0-0--${project}.preview.test`)) === 'v1\n' ? true : undefined), 10_000, `the preview host on ${server.url}`);

  // The follower never synced nor built; its API reads the shared store and follows the live pointers.
  assert.equal(follower.sync.desiredState, undefined);
  assert.equal(follower.queue.keys().size, 0);
  assert.equal((await fetch(`${follower.url}/readyz`)).status, 200, 'a replica that never syncs is ready once its mirror caught up');
  assert.ok(!logs.follower.some((line) => line.includes('"build ')), 'no build log line on the follower');
  assert.ok(logs.follower.some((line) => line.includes('"mirrored a version"')));
  const artifacts = (await (await fetch(`${follower.url}/api/v1/projects/${project}/artifacts`)).json()) as { artifacts: { version: string; live: boolean }[] };
  assert.deepEqual(artifacts.artifacts.map(({ version, live }) => ({ version, live })).sort((a, b) => a.version.localeCompare(b.version)), [{ version: '1.0.0', live: false }, { version: '2.0.0', live: true }]);
  // Changes need the token, on the leader and through the follower alike; being on the same machine counts for nothing.
  assert.equal((await fetch(`${follower.url}/api/v1/sync`, { method: 'POST' })).status, 401, 'POST /api/v1/sync through the follower');
  assert.equal((await fetch(`${leader.url}/api/v1/sync`, { method: 'POST' })).status, 401, 'POST /api/v1/sync on the leader, from its own machine');
  assert.equal((await fetch(`${follower.url}/API/v1/sync`, { method: 'POST', headers: AUTH })).status, 404, 'another spelling goes to the leader too, which knows no such route');
  assert.equal((await fetch(`${leader.url}/api/v1/sync`, { method: 'POST', headers: AUTH })).status, 200, 'the same request on the leader itself, with the token');
  assert.equal(follower.sync.desiredState, undefined, 'no spelling of the path ran a sync on the follower');
  const statuses = (await (await fetch(`${follower.url}/api/v1/projects`)).json()) as { projects: { name: string; live?: string; desired?: string }[] };
  const viaFollower = statuses.projects.find((p) => p.name === project);
  assert.equal(viaFollower?.desired, '2.0.0', 'the follower\'s API answers from the leader, which read the config repo');
  assert.equal(JSON.stringify(viaFollower).includes(`.localhost:${new URL(follower.url).port}/`), true, 'with URLs in the port the client asked');

  // v1 removed from the store (through the leader's API): it leaves the follower's mirror.
  assert.equal((await fetch(`${leader.url}/api/v1/projects/${project}/artifacts/1.0.0`, { method: 'DELETE', headers: AUTH })).status, 200);
  await eventually(() => (existsSync(join(dir, 'follower', 'mirror', project, '1.0.0')) ? undefined : true), 20_000, 'v1 to leave the follower mirror');
  assert.equal((await page(`${siteOrigin(follower.url, `1-0-0--${project}`)}/`)).status, 404);
  assert.equal((await page(`${siteOrigin(follower.url, project)}/`)).body, 'v2\n');

  // A restarted follower serves the live version as soon as it listens.
  await follower.close();
  follower = await replica('follower', { leader: { isLeader: () => false, leaderUrl: () => leader.url } });
  assert.equal((await page(`${siteOrigin(follower.url, project)}/`)).body, 'v2\n');
  assert.equal(follower.sync.desiredState, undefined);

  // While no replica is known to lead, the API says so and the sites are still served.
  await follower.close();
  follower = await replica('follower', { leader: { isLeader: () => false, leaderUrl: () => undefined } });
  const noLeader = await fetch(`${follower.url}/api/v1/projects`);
  assert.equal(noLeader.status, 503);
  assert.equal(noLeader.headers.get('retry-after'), '5');
  assert.equal((await page(`${siteOrigin(follower.url, project)}/`)).body, 'v2\n');
});

test('opus server --store refuses what is not an s3:// URL with a bucket', async () => {
  const notS3 = await opus(['server', '--store', 'gs://bucket/opus', '--port', '0']);
  assert.notEqual(notS3.code, 0);
  assert.match(notS3.stderr, /--store must be an s3:\/\/ URL/);
  const noBucket = await opus(['server', '--store', 's3:///opus', '--port', '0']);
  assert.notEqual(noBucket.code, 0);
  assert.match(noBucket.stderr, /names no bucket/);
  const badBucket = await opus(['server', '--store', 's3://A_bucket', '--port', '0']);
  assert.match(badBucket.stderr, /not a valid bucket name/);
  const badEndpoint = await opus(['server', '--store', 's3://bucket'], { env: { OPUS_S3_ENDPOINT: 'minio:9000' } });
  assert.match(badEndpoint.stderr, /OPUS_S3_ENDPOINT must be an http\(s\) URL/);
});

test('opus install --store s3://… --replicas 3 makes a rolling Deployment without a claim; --replicas needs --store', async () => {
  const dryRun = await opus(['install', '--dry-run', '--store', 's3://opus-artifacts/prod', '--s3-endpoint', 'http://minio.storage:9000', '--replicas', '3', '--config-repo', 'https://git.example.com/acme/opus-config.git', '--image', 'registry.example.com/opus:1']);
  assert.equal(dryRun.code, 0, dryRun.stderr);
  assert.match(dryRun.stdout, /replicas: 3/);
  assert.match(dryRun.stdout, /type: RollingUpdate/);
  assert.match(dryRun.stdout, /name: OPUS_LEASE\n\s+value: opus-sync/);
  assert.doesNotMatch(dryRun.stdout, /PersistentVolumeClaim/);
  const noStore = await opus(['install', '--dry-run', '--replicas', '2']);
  assert.notEqual(noStore.code, 0);
  assert.match(noStore.stderr, /--replicas 2 needs --store/);
  const noRepo = await opus(['install', '--dry-run', '--store', 's3://opus-artifacts/prod']);
  assert.notEqual(noRepo.code, 0);
  assert.match(noRepo.stderr, /--store needs a config repo the pods can fetch/);
});
