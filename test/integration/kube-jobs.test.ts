// Builds as Kubernetes Jobs and the sync Lease, against the Kubernetes API stand-in with a kubelet
// stand-in that runs each Job's containers as local processes (test/support/kubelet-stand-in.ts):
// the real client, the real one-time transfer URLs over HTTP on 127.0.0.1, the real
// `opus build-transfer` CLI in the helper containers.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { KubernetesJobRunner, kubeJobsApi } from '../../src/adapters/k8s/kubernetes-job-runner.js';
import { LeaseElector } from '../../src/adapters/k8s/lease-elector.js';
import { DEFAULT_BUILD_LIMITS } from '../../src/domain/build-limits.js';
import type { BuildSpec } from '../../src/domain/desired-state.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { startKubeStandIns } from '../support/kubelet-stand-in.js';

const spec = (command: string, timeoutMs = 60_000): BuildSpec => ({ image: 'node:20', command, output: 'dist', env: { GREETING: 'hello' }, network: 'default', timeoutMs, memoryBytes: 1024 ** 3 });

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const { api, kubelet, transfers, kc } = await startKubeStandIns(t, dir);
  const runner = new KubernetesJobRunner({ api: kubeJobsApi(kc, 'opus'), namespace: 'opus', helperImage: 'ghcr.io/opus/opus:0.1.0', transfers, pollMs: 50, owner: SERVER_POD });
  const source = join(dir, 'source');
  await writeFiles(source, { 'package.json': '{}', 'public/index.html': '<h1>site</h1>' });
  const build = async (command: string, options: { timeoutMs?: number; signal?: AbortSignal; onLog?: (text: string) => void; secretEnv?: Record<string, string>; logBytes?: number } = {}) => {
    const outputDir = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    await mkdir(outputDir);
    const log = new PassThrough();
    let text = '';
    log.on('data', (d: Buffer) => {
      text += d.toString();
      options.onLog?.(text);
    });
    const run = runner.run({ project: 'site', version: '1.0.0', commit: 'abc123', spec: { ...spec(command, options.timeoutMs), ...(options.logBytes ? { limits: { ...DEFAULT_BUILD_LIMITS, logBytes: options.logBytes } } : {}) }, sourceDir: source, outputDir, log, ...(options.signal ? { signal: options.signal } : {}), ...(options.secretEnv ? { secretEnv: options.secretEnv } : {}) });
    const error = await run.then(() => undefined, (e: unknown) => e as Error);
    return { outputDir, log: () => text, error };
  };
  return { api, kubelet, kc, build, transfers };
}

const SERVER_POD = { name: 'opus-7c9d-x2', uid: '5b1f7c2e-0000-4000-8000-00000000abcd' };

test('a build runs as a Job: source in and output out through one-time URLs, logs copied, Job deleted (Kubernetes API stand-in)', async (t) => {
  const { api, kubelet, build } = await setup(t);
  const result = await build('mkdir -p dist && cp -r public/. dist/ && echo "built with $GREETING for $OPUS_PROJECT@$OPUS_VERSION" && echo extra > dist/extra.txt');
  assert.equal(result.error, undefined, result.log());
  assert.equal(await readFile(join(result.outputDir, 'index.html'), 'utf8'), '<h1>site</h1>');
  assert.equal(await readFile(join(result.outputDir, 'extra.txt'), 'utf8'), 'extra\n');
  assert.match(result.log(), /building in Job opus\/opus-build-site-\w+ \(image node:20\)/);
  assert.match(result.log(), /opus: source in \/.*\/workspace\/src/);
  assert.match(result.log(), /built with hello for site@1\.0\.0/);
  assert.match(result.log(), /opus: output of .* uploaded/);

  const [job] = kubelet.jobs;
  assert.equal(job?.spec.activeDeadlineSeconds, 60);
  assert.deepEqual(api.list('batch/v1', 'Job', 'opus'), [], 'the Job is deleted after the build');
  assert.ok(api.requests.some((r) => r.method === 'POST' && r.path === '/apis/batch/v1/namespaces/opus/jobs'));
  // The URLs answered once: asked again, they are gone.
  const url = job?.spec.template.spec.initContainers?.[0]?.command.at(-2) ?? '';
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/transfer\/[\w-]{43}$/);
  assert.equal((await fetch(url)).status, 404);
});

test('a Job build\u2019s log can be followed while it runs (Kubernetes API stand-in)', async (t) => {
  const { build } = await setup(t);
  // The log as it was when "first line" reached it: the build then still had 3 s to go.
  let whenFirst: string | undefined;
  const result = await build('echo "first line"; sleep 3; echo "second line"; mkdir -p dist && cp -r public/. dist/', { onLog: (text) => void (whenFirst ??= text.includes('first line') ? text : undefined) });
  assert.equal(result.error, undefined, result.log());
  assert.ok(whenFirst, result.log());
  assert.doesNotMatch(whenFirst, /second line/, 'the first line reached the build log while the build ran');
  assert.equal(result.log().match(/first line/g)?.length, 1, 'each line once');
  assert.equal(result.log().match(/second line/g)?.length, 1, 'each line once');
  assert.ok(result.log().indexOf('source in') < result.log().indexOf('first line'), 'containers in the order they ran');
});

test('a failing build command fails the build with its exit code and log (Kubernetes API stand-in)', async (t) => {
  const { api, kubelet, build } = await setup(t);
  const result = await build('echo "npm ERR! missing script: build" >&2; exit 3');
  assert.match(String(result.error), /the build command exited with code 3/);
  assert.match(result.log(), /missing script: build/);
  assert.equal(kubelet.jobs.length, 1);
  assert.deepEqual(api.list('batch/v1', 'Job', 'opus'), []);
  const noOutput = await build('echo no dist here');
  assert.match(String(noOutput.error), /output could not be uploaded/);
  assert.match(noOutput.log(), /wrote no[\s\S]*dist directory:[\s\S]*check build\.output/);
});

test('the cluster\'s activeDeadlineSeconds times a build out, and a cancel deletes its Job (Kubernetes API stand-in)', async (t) => {
  const { api, build } = await setup(t);
  const slow = await build('sleep 30', { timeoutMs: 1000 });
  assert.match(String(slow.error), /the build timed out after 1s/);

  const abort = new AbortController();
  const started = Date.now();
  const cancelled = build('sleep 30', { signal: abort.signal });
  await new Promise((r) => setTimeout(r, 700));
  abort.abort();
  assert.match(String((await cancelled).error), /the build was cancelled/);
  assert.ok(Date.now() - started < 10_000);
  assert.deepEqual(api.list('batch/v1', 'Job', 'opus'), []);
});

test('a Job build gets its secrets from a per-build Secret it deletes after; the Job is the server pod\'s and holds no value (Kubernetes API stand-in)', async (t) => {
  const { api, kubelet, build } = await setup(t);
  const token = 'npm_4f9c2e1d0b8a7f6e5d4c';
  const seen: string[] = [];
  api.events.on('write', (verb: string, obj: { kind?: string; metadata?: { ownerReferences?: unknown[] } }) => {
    if (obj.kind === 'Secret' && verb === 'created') seen.push(JSON.stringify(obj.metadata?.ownerReferences));
  });
  const result = await build('mkdir -p dist && cp -r public/. dist/ && printf "%s" "$NPM_TOKEN" > dist/token.txt', { secretEnv: { NPM_TOKEN: token } });
  assert.equal(result.error, undefined, result.log());
  assert.equal(await readFile(join(result.outputDir, 'token.txt'), 'utf8'), token, 'the build had the secret');
  const [job] = kubelet.jobs;
  assert.ok(!JSON.stringify(job).includes(token), 'no value in the Job');
  assert.deepEqual((job as unknown as { metadata: { ownerReferences: unknown[] } }).metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', ...SERVER_POD }]);
  assert.deepEqual(seen, [JSON.stringify([{ apiVersion: 'v1', kind: 'Pod', ...SERVER_POD }])], 'one Secret, owned by the server pod');
  assert.deepEqual(api.list('v1', 'Secret', 'opus'), [], 'deleted after the build');
});

test('a flooding Job build\'s log is fetched no further than the build log may hold (Kubernetes API stand-in)', async (t) => {
  const { api, build } = await setup(t);
  const result = await build('yes "a long line of log text for the flood" | head -c 400000; mkdir -p dist && cp -r public/. dist/', { logBytes: 10_000 });
  assert.equal(result.error, undefined, result.log().slice(-500));
  const asked = api.requests.filter((r) => r.path.endsWith('/log'));
  assert.ok(asked.length > 0 && asked.every((r) => r.query.limitBytes === '10001'), 'every log request is limited');
  assert.ok(result.log().length < 3 * 10_001 + 2000, `${result.log().length} characters copied`);
});

test('a transfer URL answers only the build\'s own pod, and a refused client does not use it up', async (t) => {
  const { transfers } = await setup(t);
  const dir = await tempDir(t);
  await writeFiles(dir, { 'index.html': 'source' });
  const offer = transfers.offerDownload(dir, 60_000, async (address) => address.replace(/^::ffff:/, '') === '127.0.0.1');
  t.after(() => offer.revoke());
  const get = (localAddress: string) => new Promise<number>((resolve, reject) => {
    request(offer.url, { localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
  assert.equal(await get('127.0.0.2'), 403, 'another pod (address) is refused');
  assert.equal(await get('127.0.0.1'), 200, 'the pod itself still gets it');
  assert.equal(await get('127.0.0.1'), 404, 'once');
});

test('exactly one replica holds the sync Lease; another takes over when it expires or is released (Kubernetes API stand-in)', async (t) => {
  const { api, kc } = await setup(t);
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const now = () => clock;
  const elector = (identity: string) => new LeaseElector(KubernetesObjectApi.makeApiClient(kc), { namespace: 'opus', name: 'opus-sync', identity, durationSeconds: 10 }, now);
  const a = elector('opus-a');
  const b = elector('opus-b');
  assert.deepEqual(await Promise.all([a.tryAcquire(), b.tryAcquire()]).then((r) => r.sort()), [false, true], 'one wins a race to create');
  const [leader, other] = a.isLeader() ? [a, b] : [b, a];
  assert.equal(await leader.tryAcquire(), true, 'the holder renews');
  assert.equal(await other.tryAcquire(), false);
  const stored = api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus');
  assert.doesNotThrow(() => new Lease(structuredClone(stored) as never).validate());
  assert.match(String((stored?.spec as { renewTime?: string }).renewTime), /^2030-01-01T00:00:00\.000000Z$/);

  clock += 11_000; // the holder stopped renewing: two others race for it
  assert.equal(leader.isLeader(), false);
  const c = elector('opus-c');
  assert.deepEqual(await Promise.all([other.tryAcquire(), c.tryAcquire()]).then((r) => r.filter(Boolean).length), 1, 'one wins the takeover');
  const next = other.isLeader() ? other : c;
  assert.equal((api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus')?.spec as { leaseTransitions: number }).leaseTransitions, 1);
  assert.equal(await leader.tryAcquire(), false, 'the old holder sees it was taken');
  await next.stop();
  assert.equal(await leader.tryAcquire(), true, 'a released Lease is taken at once');
});
