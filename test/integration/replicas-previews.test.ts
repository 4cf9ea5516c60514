// Previews on two replicas of one shared store (the S3 stand-in): the one that leads builds a
// branch's preview (real git over smart HTTP from the forge stand-in, a real Docker build); the
// other never builds, yet answers the same preview hosts, the branch's alias and each commit's,
// because the alias table is a document in the store and preview versions are mirrored with the
// live ones. The push comes in through the follower, which forwards it to the leader.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/runtime/start-server.js';
import { createLogger } from '../../src/services/logger.js';
import { COPY_BUILD } from '../support/build-server.js';
import { eventually } from '../support/fixtures.js';
import { get, PREVIEW_DOMAIN, startPreviewWorld, type PreviewWorld } from '../support/preview-world.js';
import { startS3StandIn } from '../support/s3-stand-in.js';
import { postGithub } from '../support/webhooks.js';

const TOKEN = 'replicas-previews-token';
const BRANCH = 'release/next';

let world: PreviewWorld | undefined;
let follower: RunningServer | undefined;
after(async () => {
  await follower?.close();
  await world?.close();
});

test('a follower serves the leader’s previews: the branch alias and every commit’s host, moved and removed with it', { timeout: 180_000 }, async () => {
  const s3 = await startS3StandIn();
  after(() => s3.close());
  const s3Options = { url: `s3://${s3.bucket}/previews-${randomUUID().slice(0, 8)}`, endpoint: s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
  world = await startPreviewWorld({
    command: COPY_BUILD,
    files: { 'public/index.html': '<h1>production</h1>' },
    projectYaml: 'previews:\n  branches: ["release/*"]\n',
    server: { s3: s3Options, apiToken: TOKEN, leader: { isLeader: () => true, term: () => 1 } },
  });
  const leader = world.server;
  const logs: string[] = [];
  follower = await startServer({ dataDir: join(world.dir, 'follower'), config: world.configDir, port: 0, host: '127.0.0.1', syncIntervalMs: 3_600_000, logger: createLogger('json', (line) => void logs.push(line)), s3: s3Options, apiToken: TOKEN, leader: { isLeader: () => false, leaderUrl: () => leader.url } });
  const replicas = { leader, follower };
  const host = (server: RunningServer, label: string) => `${label}--site.${PREVIEW_DOMAIN}:${new URL(server.url).port}`;
  const everywhere = async (label: string, expected: { status: number; body?: string }) => {
    for (const [name, server] of Object.entries(replicas)) {
      await eventually(async () => {
        const answer = await get(server.url, host(server, label), '/');
        return answer.status === expected.status && (expected.body === undefined || answer.body === expected.body) ? true : undefined;
      }, 20_000, `${label} on the ${name}: ${expected.status} ${expected.body ?? ''}`);
    }
  };
  const push = (after: string, deleted = false) => JSON.stringify({ ref: `refs/heads/${BRANCH}`, before: '0'.repeat(40), after, deleted, repository: { full_name: 'acme/site', clone_url: world?.source } });

  const first = await world.commit(BRANCH, { 'public/index.html': '<h1>next, first</h1>' }, 'first');
  const answer = await postGithub(follower.url, push(first), { event: 'push', secret: world.secret });
  assert.equal(answer.status, 202, 'the follower forwarded the push to the leader');
  await world.statusOf(first, 'success');
  await everywhere('release-next', { status: 200, body: '<h1>next, first</h1>' });
  await everywhere(first.slice(0, 7), { status: 200, body: '<h1>next, first</h1>' });
  assert.ok(existsSync(join(world.dir, 'follower', 'mirror', 'site', `sha-${first.slice(0, 12)}`, 'index.html')), 'the follower serves the preview from its own mirror');

  // A new head: the alias moves on both replicas; the first commit's host still serves the first build.
  const second = await world.commit(BRANCH, { 'public/index.html': '<h1>next, second</h1>' }, 'second');
  await postGithub(follower.url, push(second), { event: 'push', secret: world.secret });
  await world.statusOf(second, 'success');
  await everywhere('release-next', { status: 200, body: '<h1>next, second</h1>' });
  await everywhere(second.slice(0, 7), { status: 200, body: '<h1>next, second</h1>' });
  await everywhere(first.slice(0, 7), { status: 200, body: '<h1>next, first</h1>' });
  assert.equal((await get(follower.url, `site.localhost:${new URL(follower.url).port}`, '/')).body, '<h1>production</h1>', 'production is untouched');
  assert.equal(follower.queue.keys().size, 0);
  assert.ok(!logs.some((line) => line.includes('"build started"')), 'the follower built nothing');

  // The branch is deleted: its hosts are gone everywhere, and so are its versions from the follower's disk.
  await postGithub(follower.url, push('0'.repeat(40), true), { event: 'push', secret: world.secret });
  await everywhere('release-next', { status: 404 });
  await everywhere(second.slice(0, 7), { status: 404 });
  await eventually(() => (existsSync(join(world?.dir ?? '', 'follower', 'mirror', 'site', `sha-${first.slice(0, 12)}`)) ? undefined : true), 20_000, 'the preview versions to leave the follower’s mirror');
  assert.ok(existsSync(join(world.dir, 'follower', 'mirror', 'site', '1.0.0')), 'the live version stays');
});
