// A stopping server starts no build: a sync that was under way when the queue shut down (and sets
// opus.yaml's concurrency as every sync does) does not open the queue again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuildQueue } from '../../src/services/build-queue.js';

test('after shutdown, setLimit starts nothing: a build asked for then never runs', async () => {
  const queue = new BuildQueue(2);
  await queue.shutdown();
  queue.setLimit(2);
  let ran = false;
  void queue.enqueue('site@1.0.0', () => ((ran = true), Promise.resolve()));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ran, false);
  assert.deepEqual(queue.runningKeys(), []);
});

test('before shutdown, setLimit lets waiting builds run', async () => {
  const queue = new BuildQueue(0);
  let ran = false;
  const done = queue.enqueue('site@1.0.0', () => ((ran = true), Promise.resolve()));
  queue.setLimit(1);
  await done;
  assert.equal(ran, true);
});
