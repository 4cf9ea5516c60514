// The sync Lease moves while a deploy is being built, with real servers: two `opus server`
// processes (bin/run.js, as the CLI starts them, as two pods would) on one shared store (the S3
// stand-in, which logs who made each request by the SDK's app id) and the Kubernetes Lease (the API
// stand-in, short timings through OPUS_LEASE_DURATION=3: renew deadline 2 s, retry 0.4 s). The
// leader is mid-build when every call it makes to the API hangs (a partitioned node). It must stop
// its build at its renew deadline and write nothing shared after; the other replica takes over and
// finishes the deploy. Meanwhile clients ask both replicas for the site: every answer is a 200 of
// one version, never a mix, and the deploy is not lost.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanDocker, containersOf, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, opusBin, tempDir, writeFiles } from '../support/fixtures.js';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kube-api-stand-in.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';
import { freePort } from '../support/free-port.js';
import { startS3StandIn, type S3StandIn } from '../support/s3-stand-in.js';

if (!process.env.DOCKER_HOST && existsSync('/run/opus-docker/docker.sock')) process.env.DOCKER_HOST = 'unix:///run/opus-docker/docker.sock';

const TOKEN = 'lease-loss-test-token';
const RENEW_DEADLINE_MS = 2_000;
/** What a loaded machine may add: timers firing late, a container's kill, a request in flight. */
const SLACK_MS = 1_500;
/** Two files with the same build id: a version served with files of two builds would show two. */
const BUILD = 'if [ -f slow ]; then sleep 8; fi; mkdir -p dist && cp -r public/. dist/ && id=$(cat /proc/sys/kernel/random/uuid) && echo $id > dist/id-a.txt && echo $id > dist/id-b.txt';

interface Replica { name: string; url: string; child: ChildProcess; log: string[] }

async function startReplica(t: TestContext, name: string, { dir, configDir, api, s3, store }: World, extra: string[] = []): Promise<Replica> {
  const port = await freePort();
  const log: string[] = [];
  const env = {
    ...process.env,
    KUBECONFIG: await api.kubeconfigAs(name),
    POD_NAMESPACE: 'opus', POD_NAME: name, POD_IP: '127.0.0.1', OPUS_IMAGE: 'opus:test', OPUS_TRANSFER_HOST: '127.0.0.1', OPUS_TRANSFER_PORT: '0',
    OPUS_LEASE: 'opus-sync', OPUS_LEASE_DURATION: '3',
    OPUS_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_SDK_UA_APP_ID: name,
    OPUS_API_TOKEN: TOKEN,
  };
  const args = [opusBin, 'server', '--config', configDir, '--data-dir', join(dir, name), '--port', String(port), '--host', '127.0.0.1', '--store', store, '--sync-interval', '1h', '--log-format', 'json', ...extra];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(() => fetch(`${url}/readyz`).then((r) => (r.ok ? true : undefined), () => undefined), 60_000, `${name} ready: ${log.join('').slice(-2000)}`);
  return { name, url, child, log };
}

const ALLOWED = { '/': ['v1\n', 'v2\n'], '/static/app.js': ['app v1\n', 'app v2\n'] };

const holder = (api: KubeApiStandIn) => (api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus')?.spec as { holderIdentity?: string; leaseTransitions?: number } | undefined);

interface World { dir: string; configDir: string; api: KubeApiStandIn; s3: S3StandIn; store: string; project: string; source: string }

/** The stand-ins, a source with 1.0.0 and a slow-to-build 2.0.0, and a config repo deploying 1.0.0. */
async function startWorld(t: TestContext): Promise<World> {
  const project = `lease-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-lease-loss-');
  const api = await startKubeApiStandIn(dir);
  t.after(() => api.close());
  const s3 = await startS3StandIn();
  t.after(() => s3.close());
  const store = `s3://${s3.bucket}/lease-${randomUUID().slice(0, 8)}`;
  const source = await makeSourceRepo(join(dir, 'app'), {
    '1.0.0': { 'public/index.html': 'v1\n', 'public/static/app.js': 'app v1\n' },
    '2.0.0': { 'public/index.html': 'v2\n', 'public/static/app.js': 'app v2\n', slow: '' },
  });
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': 'sync:\n  interval: 1h\n', [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.0.0', command: BUILD }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');
  return { dir, configDir, api, s3, store, project, source };
}

const deploy = async (world: World, version: string) => {
  await writeFiles(world.configDir, { [`projects/${world.project}.yaml`]: projectYaml(world.source, { deploy: version, command: BUILD }) });
  gitSync(world.configDir, 'commit', '--quiet', '-am', `deploy ${version}`);
};

const serves = (r: Replica, project: string, body: string) => eventually(() => localFetch(`${siteOrigin(r.url, project)}/`).then((res) => res.text()).then((text) => (text === body ? true : undefined)), 90_000, `${body.trim()} on ${r.name}: ${r.log.join('').slice(-1500)}`);

/** Clients asking the replicas (those `pick` gives: all, or the ready ones) for the page and its script until stopped; each answer must be one of `allowed`. */
function load(pick: () => Replica[], project: string, allowed: Record<string, string[]>) {
  let stop = false;
  const failures: string[] = [];
  let requests = 0;
  const client = async (i: number) => {
    for (let n = i; !stop; n += 1) {
      const replicas = pick();
      const replica = replicas[n % Math.max(1, replicas.length)];
      if (!replica) {
        failures.push('no replica to ask');
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const path = n % 2 === 0 ? '/' : '/static/app.js';
      requests += 1;
      const answer = await localFetch(`${siteOrigin(replica.url, project)}${path}`).then(async (r) => ({ status: r.status, body: await r.text() }), (error: unknown) => ({ status: 0, body: String(error) }));
      if (answer.status !== 200 || !allowed[path]?.includes(answer.body)) failures.push(`${replica.name} ${path}: ${answer.status} ${answer.body.slice(0, 80)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const clients = Array.from({ length: 4 }, (_, i) => client(i));
  return { failures, count: () => requests, stop: async () => ((stop = true), await Promise.all(clients)) };
}

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
