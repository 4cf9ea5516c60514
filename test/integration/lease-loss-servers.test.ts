// The sync Lease moves while a deploy is being built, with real servers: two `opus server`
// processes (bin/run.js, as the CLI starts them, as two pods would) on one shared store (the S3
// stand-in, which logs who made each request by the SDK's app id) and the Kubernetes Lease (the API
// stand-in, short timings through OPUS_LEASE_DURATION=3: renew deadline 2 s, retry 0.4 s). The
// leader is mid-build when every call it makes to the API hangs (a partitioned node). It must stop
// its build at its renew deadline and write nothing shared after; the other replica takes over and
// finishes the deploy. Meanwhile clients ask both replicas for the site: every answer is a 200 of
// one version, never a mix, and the deploy is not lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containersOf } from '../support/build-server.js';
import { eventually } from '../support/fixtures.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';
import { ALLOWED, deploy, holder, load, RENEW_DEADLINE_MS, serves, SLACK_MS, startReplica, startWorld, TOKEN, type Replica } from '../support/lease-replicas.js';

test('the leader loses the Lease mid-build: it stops at once and writes nothing after; the other replica finishes the deploy; every request is answered', { timeout: 180_000 }, async (t) => {
  const world = await startWorld(t);
  const { api, s3, project } = world;
  const a = await startReplica(t, 'opus-0', world);
  await eventually(() => (holder(api)?.holderIdentity === 'opus-0' ? true : undefined), 10_000, 'opus-0 to lead');
  const b = await startReplica(t, 'opus-1', world);
  for (const r of [a, b]) await serves(r, project, 'v1\n');

  const traffic = load(() => [a, b], project, ALLOWED);
  t.after(() => traffic.stop());
  // The deploy: the leader sees the commit at once (a config repo on this machine is watched) and starts building 2.0.0.
  await deploy(world, '2.0.0');
  const building = await eventually(async () => (await containersOf(project, true)).find((c) => c.Labels['dev.opus.version'] === '2.0.0'), 60_000, `opus-0 to build 2.0.0: ${a.log.join('').slice(-1500)}`);
  const ownerA = building.Labels['dev.opus.owner'];

  // The partition: from now on nothing opus-0 sends to the Kubernetes API is answered.
  const cutAt = Date.now();
  const heal = api.hang((req) => req.user === 'opus-0');
  // Its build container is gone by its renew deadline (plus a kill), long before the build would end.
  await eventually(async () => ((await containersOf(project, true)).some((c) => c.Labels['dev.opus.owner'] === ownerA) ? undefined : true), RENEW_DEADLINE_MS + SLACK_MS * 2, 'opus-0’s build container to stop');
  const stoppedAfter = Date.now() - cutAt;
  await eventually(() => (a.log.join('').includes('build handed over to the next leader') ? true : undefined), 5_000, 'opus-0 to hand its build over');

  // opus-1 takes over, builds 2.0.0 and switches; both replicas serve it.
  for (const r of [a, b]) await serves(r, project, 'v2\n');
  const deployedAfter = Date.now() - cutAt;
  heal();
  await new Promise((r) => setTimeout(r, 1_000));
  await traffic.stop();
  t.diagnostic(`opus-0 stopped its build ${stoppedAfter} ms after it was cut off; v2 served by both ${deployedAfter} ms after; ${traffic.count()} site requests during the handover`);

  assert.deepEqual(traffic.failures.slice(0, 10), [], `${traffic.failures.length} of ${traffic.count()} site requests failed`);
  assert.equal(holder(api)?.holderIdentity, 'opus-1', 'opus-1 holds the Lease');
  // Nothing shared was written by opus-0 once its renew deadline had passed (its last renew began before the cut).
  const late = s3.log.filter((r) => r.app === 'opus-0' && r.at > cutAt + RENEW_DEADLINE_MS + SLACK_MS && ['PUT', 'POST', 'DELETE'].includes(r.method));
  assert.deepEqual(late.map((r) => `${r.method} ${r.key}`), [], `opus-0 wrote to the store after it lost the Lease: ${a.log.join('').slice(-3000)}`);
  const liveWriters = new Set(s3.log.filter((r) => r.key.endsWith('.opus/live.json') && r.method === 'PUT' && r.at > cutAt).map((r) => r.app));
  assert.deepEqual([...liveWriters], ['opus-1'], 'only the new leader switched');
  const live = (await (await fetch(`${b.url}/api/v1/projects/${project}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { live?: string; desired?: string };
  assert.equal(live.live, '2.0.0', 'the deploy was not lost');
  // One build of 2.0.0 is served, whole: the same build id in both files, on both replicas.
  const ids = await Promise.all([a, b].flatMap((r) => ['/id-a.txt', '/id-b.txt'].map((p) => localFetch(`${siteOrigin(r.url, project)}${p}`).then((res) => res.text()))));
  assert.equal(new Set(ids).size, 1, `one build served everywhere: ${ids.join(', ')}`);
  assert.equal((await containersOf(project)).filter((c) => c.Labels['dev.opus.owner'] === ownerA).length, 0, 'no container of opus-0 is left');
});

test('a rollout under load while the store answers 503 to a fifth of requests: the Lease moves on SIGTERM, the deploy under way goes live, no site request fails', { timeout: 180_000 }, async (t) => {
  const world = await startWorld(t);
  const { api, s3, project } = world;
  const drain = ['--drain', '1s'];
  const old = await startReplica(t, 'opus-0', world, drain);
  await eventually(() => (holder(api)?.holderIdentity === 'opus-0' ? true : undefined), 10_000, 'opus-0 to lead');
  await serves(old, project, 'v1\n');
  // The Service stand-in: clients ask only the replicas whose /readyz answered 200 at the last probe (every 200 ms).
  const ready = new Set<Replica>([old]);
  const replicas = [old];
  const probe = setInterval(() => {
    for (const r of replicas) void fetch(`${r.url}/readyz`).then((res) => (res.ok ? ready.add(r) : ready.delete(r)), () => ready.delete(r));
  }, 200);
  t.after(() => clearInterval(probe));
  s3.slowDown(0.2);
  const before = s3.stats.slowDowns;
  const traffic = load(() => [...ready], project, ALLOWED);
  t.after(() => traffic.stop());

  const fresh = await startReplica(t, 'opus-1', world, drain);
  replicas.push(fresh);
  await serves(fresh, project, 'v1\n');
  await eventually(() => (ready.has(fresh) ? true : undefined), 10_000, 'opus-1 ready');
  // A deploy under way when the old pod is told to go: it stops its build, drains, gives the Lease up last and exits 0.
  await deploy(world, '2.0.0');
  await eventually(async () => ((await containersOf(project, true)).some((c) => c.Labels['dev.opus.version'] === '2.0.0') ? true : undefined), 60_000, `opus-0 to build 2.0.0: ${old.log.join('').slice(-1500)}`);
  const exited = new Promise<number | null>((resolve) => old.child.once('exit', (code) => resolve(code)));
  old.child.kill('SIGTERM');
  assert.equal(await exited, 0, `opus-0 exited with an error: ${old.log.join('').slice(-1500)}`);
  replicas.shift();
  await serves(fresh, project, 'v2\n');
  assert.equal(holder(api)?.holderIdentity, 'opus-1');
  await new Promise((r) => setTimeout(r, 500));
  await traffic.stop();
  s3.slowDown(0);
  const slowDowns = s3.stats.slowDowns - before;
  t.diagnostic(`${traffic.count()} site requests during the rollout; the store answered 503 to ${slowDowns} requests`);
  assert.ok(slowDowns >= 20, `only ${slowDowns} requests got a 503`);
  assert.deepEqual(traffic.failures.slice(0, 10), [], `${traffic.failures.length} of ${traffic.count()} site requests failed`);
});
