import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RetryPolicy } from '../../src/domain/backoff.js';
import { afterAttempt, deliveryView, newDelivery, redelivered, selectDeliveries, type DeliveryRecord } from '../../src/domain/hook-deliveries.js';
import { hookPayload } from '../../src/domain/hooks.js';

const policy: RetryPolicy = { baseMs: 1_000, factor: 2, capMs: 8_000, maxAttempts: 3, maxAgeMs: 60_000 };
const T0 = Date.parse('2025-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function delivery(seq = 1, overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  const payload = hookPayload(`e${seq}`, { event: 'build.failed', at: iso(T0), project: 'site', version: '1.0.0' }, 'http://opus');
  return { ...newDelivery({ id: `d${seq}`, hook: 'chat', url: 'http://r/', secret: { env: 'S' }, event: 'build.failed', payload, createdAt: iso(T0 + seq) }, seq), ...overrides };
}

test('a new delivery is pending, due now, with no attempts', () => {
  const d = delivery();
  assert.equal(d.status, 'pending');
  assert.equal(d.attempts, 0);
  assert.equal(d.seriesStartedAt, d.createdAt);
  assert.equal(d.nextAttemptAt, undefined);
});

test('a 2xx delivers; anything else is retried with backoff until given up', () => {
  const ok = afterAttempt(delivery(), { status: 204 }, T0 + 5, policy);
  assert.equal(ok.status, 'delivered');
  assert.equal(ok.deliveredAt, iso(T0 + 5));
  assert.equal(ok.attempts, 1);

  const first = afterAttempt(delivery(), { status: 503, error: 'answered 503' }, T0 + 10, policy, () => 0.5);
  assert.equal(first.status, 'pending');
  assert.equal(first.lastStatus, 503);
  assert.equal(first.nextAttemptAt, iso(T0 + 10 + 500));
  const second = afterAttempt(first, { error: 'connect ECONNREFUSED' }, T0 + 600, policy, () => 0.5);
  assert.equal(second.lastStatus, undefined, 'the last status is that of the last attempt');
  assert.equal(second.lastError, 'connect ECONNREFUSED');
  assert.equal(second.nextAttemptAt, iso(T0 + 600 + 1_000));
  const third = afterAttempt(second, { status: 302, error: 'answered 302' }, T0 + 2_000, policy);
  assert.equal(third.status, 'failed', 'given up after maxAttempts');
  assert.equal(third.failedAt, iso(T0 + 2_000));
  assert.equal(third.nextAttemptAt, undefined);

  const old = afterAttempt(delivery(), { status: 500 }, T0 + 60_001, policy);
  assert.equal(old.status, 'failed', 'given up after maxAgeMs since the series began');
});

test('a redelivery starts a new series with the same id, to the current URL', () => {
  const failed = afterAttempt(afterAttempt(afterAttempt(delivery(), { status: 500 }, T0, policy), { status: 500 }, T0, policy), { status: 500 }, T0, policy);
  assert.equal(failed.status, 'failed');
  const again = redelivered(failed, T0 + 120_000, { url: 'http://new/', secret: { env: 'NEW' } });
  assert.equal(again.id, failed.id);
  assert.equal(again.seq, failed.seq);
  assert.equal(again.status, 'pending');
  assert.equal(again.attempts, 0);
  assert.equal(again.redeliveries, 1);
  assert.equal(again.seriesStartedAt, iso(T0 + 120_000));
  assert.equal(again.failedAt, undefined);
  assert.equal(again.url, 'http://new/');
  assert.deepEqual(again.secret, { env: 'NEW' });
  assert.equal(afterAttempt(again, { status: 500 }, T0 + 121_000, policy).status, 'pending', 'its age counts from the redelivery');
});

test('deliveries are listed newest first, filtered by hook (id or name) and status, limited', () => {
  const records = [delivery(1), delivery(2, { status: 'delivered' }), delivery(3, { hook: 'url-abc', hookName: undefined }), delivery(4, { hook: 'h', hookName: 'named' })];
  assert.deepEqual(selectDeliveries(records, {}).map((r) => r.id), ['d4', 'd3', 'd2', 'd1']);
  assert.deepEqual(selectDeliveries(records, { hook: 'chat' }).map((r) => r.id), ['d2', 'd1']);
  assert.deepEqual(selectDeliveries(records, { hook: 'named' }).map((r) => r.id), ['d4']);
  assert.deepEqual(selectDeliveries(records, { status: 'delivered' }).map((r) => r.id), ['d2']);
  assert.deepEqual(selectDeliveries(records, { limit: 1 }).map((r) => r.id), ['d4']);
  const view = deliveryView(delivery(1));
  assert.equal('secret' in view, false);
  assert.equal('url' in view, false, 'a hook URL may hold a token');
  assert.equal('payload' in view, false);
  assert.equal(view.project, 'site');
  assert.equal(view.version, '1.0.0');
});
