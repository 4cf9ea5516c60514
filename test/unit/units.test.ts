import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DURATION_PATTERN, durationMs, SIZE_PATTERN, sizeBytes } from '../../src/domain/units.js';

test('a number of seconds or a short duration string becomes milliseconds', () => {
  assert.equal(durationMs(30), 30_000);
  assert.equal(durationMs(0.5), 500);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('30s'), 30_000);
  assert.equal(durationMs('1.5s'), 1_500);
  assert.equal(durationMs('15m'), 15 * 60_000);
  assert.equal(durationMs('2h'), 2 * 3_600_000);
  assert.equal(durationMs(' 10s '), 10_000);
});

test('a duration that cannot be read is an error that says how to write one', () => {
  for (const bad of ['15 minutes', '1d', 'm', '', '-5s', '5', '1h30m', '5S']) {
    assert.throws(() => durationMs(bad), (error: Error) => error.message.includes(`"${bad}" is not a duration`) && /"15m"/.test(error.message), bad);
  }
});

test('sizes are bytes, or binary units as Docker reads them', () => {
  assert.equal(sizeBytes(1000), 1000);
  assert.equal(sizeBytes('100'), 100);
  assert.equal(sizeBytes('10b'), 10);
  assert.equal(sizeBytes('1k'), 1024);
  assert.equal(sizeBytes('512m'), 512 * 1024 ** 2);
  assert.equal(sizeBytes('2g'), 2 * 1024 ** 3);
  assert.equal(sizeBytes('2G'), 2 * 1024 ** 3);
  assert.equal(sizeBytes('1GiB'), 1024 ** 3);
  assert.equal(sizeBytes('1gb'), 1024 ** 3);
  assert.equal(sizeBytes('256MB'), 256 * 1024 ** 2);
  assert.equal(sizeBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(sizeBytes('0.5k'), 512);
});

test('a size that cannot be read is an error that says how to write one', () => {
  for (const bad of ['2t', 'lots', '', '-1m', '1 g', 'g']) {
    assert.throws(() => sizeBytes(bad), (error: Error) => error.message.includes(`"${bad}" is not a size`), bad);
  }
});

test('the schema patterns accept exactly what the parsers can read', () => {
  const duration = new RegExp(DURATION_PATTERN);
  for (const text of ['500ms', '30s', '1.5s', '15m', '2h', '15 minutes', '1d', '5', 'm', '1h30m']) {
    let parses = true;
    try {
      durationMs(text);
    } catch {
      parses = false;
    }
    assert.equal(duration.test(text), parses, `duration "${text}"`);
  }
  const size = new RegExp(SIZE_PATTERN);
  for (const text of ['100', '10b', '1k', '512m', '2G', '1GiB', '1gb', '256MB', '1.5g', '2t', 'lots', 'g', '1 g', '1kib']) {
    let parses = true;
    try {
      sizeBytes(text);
    } catch {
      parses = false;
    }
    assert.equal(size.test(text), parses, `size "${text}"`);
  }
});
