// KeyedCoalescer: debounce + single flight per key, as webhook handling uses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedCoalescer } from '../../src/services/keyed-coalescer.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test('items for one key within the delay are handled in one call; keys are independent', async () => {
  const calls: string[] = [];
  const coalescer = new KeyedCoalescer<number>(30, async (key, items) => void calls.push(`${key}:${items.join(',')}`));
  for (let i = 1; i <= 5; i += 1) coalescer.add('a', i);
  coalescer.add('b', 9);
  await coalescer.idle();
  assert.deepEqual(calls.sort(), ['a:1,2,3,4,5', 'b:9']);
});

test('items that come while a key is handled wait and form one next batch: never two calls at once', async () => {
  let running = 0;
  let most = 0;
  const batches: number[][] = [];
  const coalescer = new KeyedCoalescer<number>(10, async (_key, items) => {
    running += 1;
    most = Math.max(most, running);
    batches.push(items);
    await sleep(60);
    running -= 1;
  });
  coalescer.add('repo', 1);
  await sleep(30);
  for (const i of [2, 3, 4]) coalescer.add('repo', i);
  await coalescer.idle();
  assert.deepEqual(batches, [[1], [2, 3, 4]]);
  assert.equal(most, 1);
});

test('a failing handler is reported and does not stop later batches', async () => {
  const errors: string[] = [];
  let calls = 0;
  const coalescer = new KeyedCoalescer<string>(5, async () => {
    calls += 1;
    if (calls === 1) throw new Error('git host down');
  }, (key, error) => void errors.push(`${key}: ${(error as Error).message}`));
  coalescer.add('k', 'x');
  await coalescer.idle();
  coalescer.add('k', 'y');
  await coalescer.idle();
  assert.deepEqual(errors, ['k: git host down']);
  assert.equal(calls, 2);
});
