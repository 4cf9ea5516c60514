// Outgoing hook delivery with real parts: the outbox on disk, HTTP to a real receiver on 127.0.0.1
// that checks every signature, and events emitted straight into the sink as services emit them.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { FsHookOutbox } from '../../src/adapters/hooks/fs-hook-outbox.js';
import { HttpHookSender } from '../../src/adapters/hooks/http-hook-sender.js';
import type { RetryPolicy } from '../../src/domain/backoff.js';
import { readDesiredState } from '../../src/domain/desired-state.js';
import type { DeliveryRecord } from '../../src/domain/hook-deliveries.js';
import { HookDeliveryService } from '../../src/services/hook-delivery.js';
import { silentLogger } from '../../src/services/logger.js';
import { eventually, tempDir } from '../support/fixtures.js';
import { HookReceiver } from '../support/hook-receiver.js';

const SECRET = 'hook-test-secret';
process.env.OPUS_TEST_HOOK_SECRET = SECRET;
const FAST: Partial<RetryPolicy> = { baseMs: 20, capMs: 200 };

/** A delivery service over `dir` whose opus.yaml has one hook per receiver (named a, b, …). */
function service(t: TestContext, dir: string, receivers: HookReceiver[], options: { policy?: Partial<RetryPolicy>; timeoutMs?: number } = {}): HookDeliveryService {
  const hooks = receivers.map((r, i) => `  - name: ${String.fromCharCode(97 + i)}\n    url: ${r.url}\n    events: ["*"]\n    secret: { env: OPUS_TEST_HOOK_SECRET }\n`);
  const desired = readDesiredState({ path: 'opus.yaml', text: `hooks:\n${hooks.join('')}` }, []);
  assert.deepEqual(desired.problems, []);
  const hooksService = new HookDeliveryService({
    outbox: new FsHookOutbox(join(dir, 'state', 'hooks')),
    sender: new HttpHookSender(options.timeoutMs ?? 2_000),
    logger: silentLogger,
    desired: () => desired,
    publicUrl: () => 'https://opus.example.com',
    origins: { dashboardHosts: ['opus.example.com'], sitesDomain: 'sites.example.net', pathHosts: [] },
    policy: { ...FAST, ...options.policy },
    stopGraceMs: 200,
  });
  t.after(() => hooksService.stop());
  return hooksService;
}

async function receiver(t: TestContext, mode: 'up' | 'fail' | 'hang' = 'up'): Promise<HookReceiver> {
  const r = new HookReceiver(SECRET);
  await r.up(mode);
  t.after(() => r.down());
  return r;
}

const emitBuilds = (sink: HookDeliveryService, from: number, count: number) => {
  for (let i = from; i < from + count; i++) sink.emit({ event: 'build.queued', project: 'site', version: `1.0.${i}` });
};
const versions = (r: HookReceiver) => r.accepted.map((x) => x.body.version);
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => `1.0.${from + i}`);

/** Every accepted delivery id exactly once, and every request signed correctly. */
function assertOnceAndSigned(r: HookReceiver): void {
  const ids = r.accepted.map((x) => x.delivery);
  assert.equal(new Set(ids).size, ids.length, 'no delivery was accepted twice');
  assert.deepEqual(r.rejected, []);
}

async function storedRecords(dir: string, hook: string): Promise<DeliveryRecord[]> {
  const hookDir = join(dir, 'state', 'hooks', hook);
  const names = (await readdir(hookDir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(hookDir, n), 'utf8')) as DeliveryRecord));
}

test('a receiver that refuses connections for a while gets every event once, in order, signed', async (t) => {
  const dir = await tempDir(t, 'opus-hooks-');
  const r = await receiver(t);
  await r.down();
  const hooks = service(t, dir, [r]);
  await hooks.start();
  emitBuilds(hooks, 0, 20);

  const head = await eventually(() => hooks.deliveries({ status: 'pending' }).find((d) => d.attempts >= 3), 30_000, 'retries of the first delivery');
  assert.equal(head.payload.version, '1.0.0', 'only the oldest delivery is tried while it fails');
  assert.match(head.lastError ?? '', /ECONNREFUSED/);
  assert.equal(hooks.deliveries({ limit: 100 }).filter((d) => d.attempts > 0).length, 1);
  await hooks.flushed();
  const stored = await storedRecords(dir, 'a');
  assert.equal(stored.length, 20);
  assert.ok(stored.every((s) => s.status === 'pending'));

  await r.up();
  await eventually(() => (r.accepted.length >= 20 ? true : undefined), 30_000, 'all 20 deliveries');
  assert.deepEqual(versions(r), range(0, 20));
  assertOnceAndSigned(r);
  const first = r.accepted[0];
  assert.ok(first);
  assert.equal(first.event, 'build.queued');
  assert.equal(first.body.event, 'build.queued');
  assert.equal(first.body.urls.preview, 'https://1-0-0--site.sites.example.net/', 'the preview on its own host under the sites domain');
  assert.equal(first.delivery, head.id, 'X-Opus-Delivery is the delivery id the API shows');
  await eventually(async () => ((await storedRecords(dir, 'a')).every((s) => s.status === 'delivered') ? true : undefined), 30_000, 'delivered on disk');
});

test('503s for a while and an Opus restart in between: every event once, in order, with stable delivery ids', async (t) => {
  const dir = await tempDir(t, 'opus-hooks-');
  const r = await receiver(t, 'fail');
  const before = service(t, dir, [r]);
  await before.start();
  emitBuilds(before, 0, 10);
  await eventually(() => (r.requests.length >= 3 ? true : undefined), 30_000, 'failed attempts');
  const ids = before.deliveries({ limit: 100 }).map((d) => d.id).reverse();
  await before.stop();
  before.emit({ event: 'build.queued', project: 'site', version: 'after-stop' });
  const failedAttempts = r.requests.length;
  assert.ok(r.requests.every((x) => x.delivery === ids[0]), 'only the oldest delivery was tried, always with the same id');

  // A new instance over the same outbox: what was pending is delivered first, then what comes next.
  const after = service(t, dir, [r]);
  await after.start();
  assert.equal(after.deliveries({ status: 'pending', limit: 100 }).length, 10);
  emitBuilds(after, 10, 5);
  await eventually(() => (r.requests.length > failedAttempts + 1 ? true : undefined), 30_000, 'the new instance to retry');
  assert.equal(r.accepted.length, 0);
  r.mode = 'up';
  await eventually(() => (r.accepted.length >= 15 ? true : undefined), 30_000, 'all 15 deliveries');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(versions(r), range(0, 15));
  assert.deepEqual(r.accepted.slice(0, 10).map((x) => x.delivery), ids, 'delivery ids survive the restart');
  assertOnceAndSigned(r);
  const head = after.delivery(ids[0] ?? '');
  assert.ok(head && head.status === 'delivered' && head.attempts >= 2, 'attempts are counted across the restart');
});

test('a hanging hook never blocks emit() nor another hook', async (t) => {
  const dir = await tempDir(t, 'opus-hooks-');
  const slow = await receiver(t, 'hang');
  const fast = await receiver(t);
  const hooks = service(t, dir, [slow, fast], { timeoutMs: 1_000 });
  await hooks.start();

  const started = performance.now();
  emitBuilds(hooks, 0, 200);
  const took = performance.now() - started;
  assert.ok(took < 500, `200 emits took ${took.toFixed(0)} ms`);

  await eventually(() => (fast.accepted.length >= 200 ? true : undefined), 30_000, 'the fast hook gets everything');
  assert.deepEqual(versions(fast), range(0, 200));
  assertOnceAndSigned(fast);
  assert.equal(slow.accepted.length, 0);
  assert.ok(slow.requests.every((x) => x.body.version === '1.0.0'), 'the hanging hook is still on its first delivery');
  const stuck = await eventually(() => hooks.deliveries({ hook: 'a', status: 'pending', limit: 1000 }).find((d) => d.lastError), 30_000, 'a timed-out attempt');
  assert.match(stuck.lastError ?? '', /no answer within 1s/);
});

test('a given-up delivery lets the next one through, and a redelivery sends it again with the same id', async (t) => {
  const dir = await tempDir(t, 'opus-hooks-');
  const r = await receiver(t, 'fail');
  const hooks = service(t, dir, [r], { policy: { maxAttempts: 3 } });
  await hooks.start();
  hooks.emit({ event: 'build.failed', project: 'site', version: '1.0.0', message: 'exit 1', durationMs: 1234 });
  const failed = await eventually(() => hooks.deliveries({ status: 'failed' })[0], 30_000, 'the delivery to be given up');
  assert.equal(failed.attempts, 3);
  assert.equal(failed.lastStatus, 503);
  assert.match(failed.lastError ?? '', /answered 503: try later/);

  r.mode = 'up';
  hooks.emit({ event: 'build.succeeded', project: 'site', version: '1.0.1' });
  await eventually(() => (r.accepted.length === 1 ? true : undefined), 30_000, 'the next event');
  const again = await hooks.redeliver(failed.id);
  assert.equal(again?.status, 'pending');
  await eventually(() => (r.accepted.length === 2 ? true : undefined), 30_000, 'the redelivery');
  assert.deepEqual(r.accepted.map((x) => [x.event, x.body.version]), [['build.succeeded', '1.0.1'], ['build.failed', '1.0.0']]);
  const redelivered = r.accepted[1];
  assert.equal(redelivered?.delivery, failed.id);
  assert.equal(redelivered?.body.message, 'exit 1');
  assert.equal(redelivered?.body.durationMs, 1234);
  const record = hooks.delivery(failed.id);
  assert.equal(record?.status, 'delivered');
  assert.equal(record?.redeliveries, 1);
  assert.equal(await hooks.redeliver('no-such-id'), undefined);
});

test('after a restart with a broken opus.yaml, events still go to the hooks of the last valid one', async (t) => {
  const dir = await tempDir(t, 'opus-hooks-');
  const r = await receiver(t);
  const before = service(t, dir, [r]);
  await before.start();
  assert.deepEqual(before.currentHooks().map((h) => h.id), ['a']);
  await before.stop();

  const broken = readDesiredState({ path: 'opus.yaml', text: 'hooks: [oops\n' }, []);
  assert.equal(broken.settingsBroken, true);
  const after = new HookDeliveryService({ outbox: new FsHookOutbox(join(dir, 'state', 'hooks')), sender: new HttpHookSender(), logger: silentLogger, desired: () => broken, publicUrl: () => 'http://x' });
  t.after(() => after.stop());
  await after.start();
  after.emit({ event: 'config.invalid', problems: broken.problems, message: '1 problem(s) in the config repo' });
  const got = await eventually(() => r.accepted[0], 30_000, 'config.invalid');
  assert.equal(got.body.problems?.[0]?.file, 'opus.yaml');
});
