// How bench/serve turns runs into ratios: every other run in reverse order, and each ratio the
// median of per-run pairs, so a machine that slows down over the runs does not favour whoever ran first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inTurn, pairedRatio } from '../../bench/lib/wrk.js';

test('runs alternate their order, so each server is as often early as late', () => {
  const servers = ['nginx', 'caddy', 'opus server', 'node:net floor'];
  assert.deepEqual(inTurn(servers, 1), servers);
  assert.deepEqual(inTurn(servers, 2), ['node:net floor', 'opus server', 'caddy', 'nginx']);
  assert.deepEqual(inTurn(servers, 3), servers);
  assert.deepEqual(servers, ['nginx', 'caddy', 'opus server', 'node:net floor'], 'the list itself is left as it was');
});

test('a ratio is the median of the per-run ratios: a slow run weighs on both servers of its pair', () => {
  // The same server twice on a machine at full speed, then at 80 %, then back: every pair is 1.0.
  const a = [100, 80, 100];
  const b = [100, 80, 100];
  assert.equal(pairedRatio(a, b), 1);
  // Pairs 0.9, 1.0 and 1.25: the middle one.
  assert.equal(pairedRatio([90, 100, 100], [100, 100, 80]), 1);
  assert.equal(pairedRatio([1, 2], [1]), undefined, 'runs that do not pair up give no ratio');
  assert.equal(pairedRatio(undefined, [1]), undefined);
});
