import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffCeilingMs, backoffDelayMs, DEFAULT_RETRY_POLICY, shouldGiveUp, type RetryPolicy } from '../../src/domain/backoff.js';

const HOUR = 3_600_000;

test('the ceiling starts at the base, doubles, and stops at the cap', () => {
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffCeilingMs(n)), [1_000, 2_000, 4_000, 8_000, 512_000]);
  assert.equal(backoffCeilingMs(11), 600_000);
  assert.equal(backoffCeilingMs(1_000), 600_000, 'no overflow: capped however many attempts');
  assert.equal(backoffCeilingMs(0), 1_000);
});

test('full jitter: the delay is anywhere from 0 up to the ceiling', () => {
  assert.equal(backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0), 0);
  assert.equal(backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0.5), 2_000);
  assert.equal(backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0.999_999), 3_999);
  assert.equal(backoffDelayMs(50, DEFAULT_RETRY_POLICY, () => 0.999_999), 599_999);
  for (let i = 0; i < 1000; i++) {
    const delay = backoffDelayMs(5);
    assert.ok(delay >= 0 && delay < 16_000 && Number.isInteger(delay));
  }
});

test('a policy of its own (as the tests use) is honoured', () => {
  const fast: RetryPolicy = { baseMs: 10, factor: 3, capMs: 50, maxAttempts: 3, maxAgeMs: 1_000 };
  assert.deepEqual([1, 2, 3].map((n) => backoffCeilingMs(n, fast)), [10, 30, 50]);
  assert.equal(shouldGiveUp(2, 0, 999, fast), false);
  assert.equal(shouldGiveUp(3, 0, 10, fast), true);
  assert.equal(shouldGiveUp(1, 0, 1_000, fast), true);
});

test('given up after 200 attempts or 24 hours of one series, whichever comes first', () => {
  const start = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(shouldGiveUp(1, start, start + 1_000), false);
  assert.equal(shouldGiveUp(199, start, start + 23 * HOUR), false);
  assert.equal(shouldGiveUp(200, start, start + HOUR), true);
  assert.equal(shouldGiveUp(5, start, start + 24 * HOUR), true);
});
