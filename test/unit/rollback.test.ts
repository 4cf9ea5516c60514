import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRollback } from '../../src/domain/live-pointers.js';
import { deployMessage, deployStack, rollbackMessage, rollbackTarget, type DeployRecord } from '../../src/domain/rollback.js';

let counter = 0;
/** A history from a list of steps, oldest first (as a person reads it); returned newest first, as git log gives it. */
function history(...steps: Array<[subject: string, deploy: string | undefined]>): DeployRecord[] {
  return steps
    .map(([subject, deploy]) => ({ commit: `c${++counter}`, subject, ...(deploy === undefined ? {} : { deploy }) }))
    .reverse();
}

test('rollback goes to the previous distinct version', () => {
  const log = history(['add site', '1.0.0'], ['deploy site 1.1.0 (was 1.0.0)', '1.1.0'], ['deploy site 1.2.0 (was 1.1.0)', '1.2.0']);
  assert.equal(rollbackTarget(log, '1.2.0'), '1.1.0');
});

test('commits that did not change the version are not steps back', () => {
  const log = history(['add site', '1.0.0'], ['deploy site 1.1.0', '1.1.0'], ['change build command', '1.1.0'], ['add a domain', '1.1.0']);
  assert.deepEqual(deployStack(log), ['1.0.0', '1.1.0']);
  assert.equal(rollbackTarget(log, '1.1.0'), '1.0.0');
});

test('a second rollback goes further back instead of undoing the first', () => {
  const steps: Array<[string, string | undefined]> = [
    ['add site', '1.0.0'],
    ['deploy site 1.1.0', '1.1.0'],
    ['deploy site 1.2.0', '1.2.0'],
  ];
  const first = rollbackTarget(history(...steps), '1.2.0');
  assert.equal(first, '1.1.0');
  steps.push([rollbackMessage('site', '1.1.0', '1.2.0'), '1.1.0']);
  const second = rollbackTarget(history(...steps), '1.1.0');
  assert.equal(second, '1.0.0');
  steps.push([rollbackMessage('site', '1.0.0', '1.1.0'), '1.0.0']);
  assert.equal(rollbackTarget(history(...steps), '1.0.0'), undefined, 'nothing older to go back to');
});

test('a deploy after a rollback starts a new top, and rolling back from it returns to the rolled-back-to version', () => {
  const log = history(
    ['add site', '1.0.0'],
    ['deploy site 1.1.0', '1.1.0'],
    [rollbackMessage('site', '1.0.0', '1.1.0'), '1.0.0'],
    ['deploy site 1.2.0', '1.2.0'],
  );
  assert.deepEqual(deployStack(log), ['1.0.0', '1.2.0']);
  assert.equal(rollbackTarget(log, '1.2.0'), '1.0.0');
});

test('manual edits of deploy count as deploys, whatever their commit message', () => {
  const log = history(['add site', '1.0.0'], ['bump to 2.0 by hand', '2.0.0'], ['Merge pull request #7 from fix/hotfix', '2.0.1']);
  assert.equal(rollbackTarget(log, '2.0.1'), '2.0.0');
  // Re-deploying an old version by hand is a deploy, not a rollback: going back from it returns to 2.0.1.
  const redeploy = history(['add site', '1.0.0'], ['deploy site 2.0.1', '2.0.1'], ['manual: back to 1.0.0', '1.0.0']);
  assert.equal(rollbackTarget(redeploy, '1.0.0'), '2.0.1');
});

test('a rollback commit to a version never seen counts as a deploy of it', () => {
  const log = history(['add site', '1.0.0'], [rollbackMessage('site', '0.9.0', '1.0.0'), '0.9.0']);
  assert.deepEqual(deployStack(log), ['1.0.0', '0.9.0']);
});

test('entries without a version (file deleted, deploy removed) are skipped', () => {
  const log = history(['add site', '1.0.0'], ['deploy site 1.1.0', '1.1.0'], ['remove site', undefined], ['add site again', '1.2.0']);
  assert.deepEqual(deployStack(log), ['1.0.0', '1.1.0', '1.2.0']);
  assert.equal(rollbackTarget(log, '1.2.0'), '1.1.0');
});

test('a current version that is not the top of the history (uncommitted edit) is rolled back from', () => {
  const log = history(['add site', '1.0.0'], ['deploy site 1.1.0', '1.1.0']);
  assert.equal(rollbackTarget(log, '1.5.0'), '1.1.0');
});

test('with one version or none there is nothing to roll back to', () => {
  assert.equal(rollbackTarget([], undefined), undefined);
  assert.equal(rollbackTarget([], '1.0.0'), undefined);
  assert.equal(rollbackTarget(history(['add site', '1.0.0']), '1.0.0'), undefined);
  assert.equal(rollbackTarget(history(['add site', undefined]), undefined), undefined);
});

test('deployStack does not change the history it is given', () => {
  const log = history(['a', '1'], ['b', '2']);
  const copy = structuredClone(log);
  deployStack(log);
  rollbackTarget(log, '2');
  assert.deepEqual(log, copy);
});

test('commit messages say what changed and from what', () => {
  assert.equal(deployMessage('site', '1.2.0', '1.1.0'), 'deploy site 1.2.0 (was 1.1.0)');
  assert.equal(deployMessage('site', '1.0.0', undefined), 'deploy site 1.0.0');
  assert.equal(rollbackMessage('site', '1.1.0', '1.2.0'), 'rollback site to 1.1.0 (was 1.2.0)');
  assert.equal(rollbackMessage('site', '1.1.0', undefined), 'rollback site to 1.1.0');
});

test('a switch is a rollback when it goes back to a version live before, or to a lower one', () => {
  assert.equal(isRollback('1.1.0', '1.0.0', ['1.0.0']), true);
  assert.equal(isRollback('1.1.0', '1.0.0', []), true, 'lower, though no longer remembered as live');
  assert.equal(isRollback('1.0.0', '1.1.0', []), false);
  assert.equal(isRollback('main-b', 'main-a', ['main-a']), true, 'not semver: was it live before');
  assert.equal(isRollback('main-b', 'main-a', []), false);
  assert.equal(isRollback(undefined, '1.0.0', []), false, 'a first deploy');
  assert.equal(isRollback('v2.0.0', 'v1.9.0', []), true);
});
