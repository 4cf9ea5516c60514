import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { failureCause, stripAnsi, withCause } from '../../src/domain/build-failure-cause.js';

// Real logs: each is what the tool printed (captured from vite 8, npm 10, tsc 5 on this machine), framed by Opus's own lines.
const log = (name: string) => readFileSync(new URL(`../../../test/fixtures/build-logs/${name}.txt`, import.meta.url), 'utf8');

test('vite/rolldown: the coded error line, not the stack or "error during build:"', () => {
  assert.deepEqual(failureCause(log('vite-missing')), ["[UNRESOLVED_IMPORT] Could not resolve './missing.js' in src/broken.js"]);
  assert.deepEqual(failureCause(log('vite-syntax')), ['[builtin:vite-transform] Unexpected JSX expression']);
});

test('tsc: every TS error line, at most three', () => {
  assert.deepEqual(failureCause(log('tsc')), [
    "a.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    "a.ts(1,38): error TS2339: Property 'foo' does not exist on type 'number'.",
  ]);
  const many = Array.from({ length: 8 }, (_, i) => `src/a.ts(${i + 1},1): error TS2304: Cannot find name 'x${i}'.`).join('\n');
  assert.equal(failureCause(many).length, 3);
});

test('npm: the code and its explanation, not the usage text nor the log pointer', () => {
  const nolock = failureCause(log('npm-ci-nolock'));
  assert.equal(nolock[0], 'npm error code EUSAGE');
  assert.match(nolock[1] ?? '', /can only install with an existing package-lock\.json/);
  assert.ok(nolock.every((line) => !/A complete log|--install-strategy|Usage/.test(line)), nolock.join('\n'));
  const offline = failureCause(log('npm-offline'));
  assert.deepEqual(offline.slice(0, 2), ['npm error code ENOTCACHED', "npm error request to https://registry.npmjs.org/vite failed: cache mode is 'only-if-cached' but no cached response is available."]);
});

test('a missing command (tsc -b without typescript installed)', () => {
  assert.deepEqual(failureCause(log('tsc-b')), ['sh: 1: tsc: not found']);
});

test('ANSI colours are removed before matching; a log with no sign of an error gives nothing', () => {
  assert.equal(stripAnsi('\u001b[31merror\u001b[39m \u001b]8;;http://x\u0007link\u001b]8;;\u0007'), 'error link');
  assert.deepEqual(failureCause('\u001b[1m\u001b[31mError: \u001b[39mbuild exploded\u001b[22m\n    at x (y.js:1:1)'), ['Error: build exploded']);
  assert.deepEqual(failureCause('opus: cloning\n> app@1.0.0 build\n> vite build\nopus: build failed: exited'), []);
});

test('withCause puts the cause first and keeps the generic reason', () => {
  assert.equal(withCause('the build command exited with code 1: see the build log', ['sh: 1: tsc: not found']), 'sh: 1: tsc: not found (the build command exited with code 1)');
  assert.equal(withCause('cancelled', []), 'cancelled');
});
