import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAgo, formatBytes, formatDuration, formatTable } from '../../src/cli/format.js';

test('sizes, durations and ages read like a person would say them', () => {
  assert.deepEqual([0, 900, 2048, 1536 * 1024, 50 * 1024 ** 3].map(formatBytes), ['0 B', '900 B', '2.0 KB', '1.5 MB', '50 GB']);
  assert.equal(formatBytes(undefined), '-');
  assert.deepEqual([450, 4_400, 65_000, 3_600_000, 5_430_000].map(formatDuration), ['450ms', '4s', '1m 5s', '1h', '1h 30m']);
  const now = Date.parse('2026-06-01T12:00:00Z');
  assert.deepEqual(['2026-06-01T11:59:50Z', '2026-06-01T11:55:00Z', '2026-06-01T09:00:00Z', '2026-05-30T12:00:00Z', '2025-01-01T00:00:00Z'].map((t) => formatAgo(t, now)), ['just now', '5m ago', '3h ago', '2d ago', '2025-01-01']);
  assert.equal(formatAgo(undefined), '-');
});

test('tables pad every column but the last', () => {
  assert.equal(formatTable(['name', 'url'], [['site', 'http://a/site/'], ['web-app', '-']]), 'NAME     URL\nsite     http://a/site/\nweb-app  -');
});
