import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuildCancelled, closedRecord, failedOrCancelled, finished, notRunRecord, queuedRecord, runningRecord, succeeded, type BuildRecord } from '../../src/domain/build-record.js';
import { DEFAULT_SETTINGS } from '../../src/domain/desired-state.js';

const project = { name: 'site', source: 'https://git.example.com/site.git', build: { image: 'node:20', command: 'npm run build', output: 'dist', env: {}, network: 'default' as const, timeoutMs: DEFAULT_SETTINGS.defaults.timeoutMs, memoryBytes: DEFAULT_SETTINGS.defaults.memoryBytes } };

test('a build goes queued → running → succeeded, keeping when and why it was queued, and a success resets the failures', () => {
  const failedBefore: BuildRecord = { ...queuedRecord(project, '1.0.0', { trigger: 'sync' }, 't0', undefined), status: 'failed', attempts: 2 };
  const queued = queuedRecord(project, '1.0.0', { trigger: 'api', force: true }, 't1', failedBefore);
  assert.deepEqual([queued.status, queued.attempts, queued.trigger, queued.force, queued.startedAt], ['queued', 2, 'api', true, 't1']);
  const running = runningRecord(project, '1.0.0', 't2', queued);
  assert.deepEqual([running.status, running.queuedAt, running.trigger, running.force, running.startedAt, running.attempts], ['running', 't1', 'api', true, 't2', 2]);
  const done = finished(succeeded(running, { files: 3, bytes: 40 }), 't3', 1000);
  assert.deepEqual([done.status, done.attempts, done.files, done.finishedAt, done.durationMs], ['succeeded', 0, 3, 't3', 1000]);
  assert.equal(queuedRecord(project, '1.0.0', { trigger: 'sync' }, 't4', done).attempts, 0);
  assert.equal(runningRecord(project, '1.0.0', 't5', done).queuedAt, undefined, 'only a queued record hands on its queue time');
});

test('a failure counts towards the backoff, a cancel does not', () => {
  const running = runningRecord(project, '1.0.0', 't', undefined);
  assert.deepEqual([failedOrCancelled(running, false, 'exit 1').status, failedOrCancelled(running, false, 'exit 1').attempts], ['failed', 1]);
  const cancelled = failedOrCancelled(running, true, 'killed');
  assert.deepEqual([cancelled.status, cancelled.attempts, cancelled.error], ['cancelled', 0, 'cancelled while running']);
});

test('a build that never ran is cancelled only for a typed cancel, whatever an error message says', () => {
  const queued = queuedRecord(project, '1.0.0', { trigger: 'sync' }, 't0', undefined);
  const cancel = notRunRecord(project, '1.0.0', queued, new BuildCancelled(), 't1');
  assert.deepEqual([cancel.status, cancel.error, cancel.queuedAt], ['cancelled', 'cancelled while queued', 't0']);
  const failure = notRunRecord(project, '1.0.0', undefined, new Error('disk full: write cancelled'), 't1');
  assert.deepEqual([failure.status, failure.error, failure.attempts, failure.startedAt], ['failed', 'disk full: write cancelled', 0, 't1']);
});

test('a record a restart closes loses its old error unless given a new one', () => {
  const old = { ...runningRecord(project, '1.0.0', 't', undefined), error: 'old' };
  assert.equal(closedRecord(old, 'succeeded', 't1').error, undefined);
  assert.deepEqual([closedRecord(old, 'cancelled', 't1', 'project removed').status, closedRecord(old, 'cancelled', 't1', 'project removed').error], ['cancelled', 'project removed']);
});
