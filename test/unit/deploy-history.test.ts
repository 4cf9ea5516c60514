import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployHistory, deployValueOf, describeEntry, type FileRevision } from '../../src/domain/deploy-history.js';
import { deployMessage } from '../../src/domain/rollback.js';

let counter = 0;
/** Revisions from steps, oldest first as a person reads them; returned newest first, as git log gives them. */
function revisions(...steps: Array<[subject: string, deploy: string | undefined | null]>): FileRevision[] {
  return steps
    .map(([subject, deploy]): FileRevision => ({
      commit: `c${++counter}`,
      subject,
      author: 'Ada',
      email: 'ada@example.com',
      date: `2026-01-0${(counter % 9) + 1}T10:00:00Z`,
      exists: deploy !== null,
      ...(deploy ? { deploy } : {}),
    }))
    .reverse();
}
const shape = (log: FileRevision[]) => deployHistory(log).map((e) => [e.kind, e.from, e.to]);

test('each change of the deploy value is one from → to entry, newest first', () => {
  const log = revisions(['add project site at 1.0.0', '1.0.0'], ['deploy site 1.1.0 (was 1.0.0)', '1.1.0'], ['rollback site to 1.0.0 (was 1.1.0)', '1.0.0']);
  assert.deepEqual(shape(log), [['rollback', '1.1.0', '1.0.0'], ['deploy', '1.0.0', '1.1.0'], ['add', undefined, '1.0.0']]);
  const [newest] = deployHistory(log);
  assert.deepEqual({ ...newest }, { kind: 'rollback', commit: log[0]?.commit, subject: 'rollback site to 1.0.0 (was 1.1.0)', author: 'Ada', email: 'ada@example.com', date: log[0]?.date, from: '1.1.0', to: '1.0.0' });
});

test('commits that leave the version alone are not deploys', () => {
  const log = revisions(['add project site', undefined], ['change the build command', undefined], ['deploy site 1.0.0', '1.0.0'], ['add a domain', '1.0.0']);
  assert.deepEqual(shape(log), [['deploy', undefined, '1.0.0'], ['add', undefined, undefined]]);
});

test('undeploy, remove and adding again', () => {
  const log = revisions(['add project site at 1.0.0', '1.0.0'], ['stop serving', undefined], ['deploy site 2.0.0', '2.0.0'], ['remove project site', null], ['add project site at 3.0.0', '3.0.0']);
  assert.deepEqual(shape(log), [['add', undefined, '3.0.0'], ['remove', '2.0.0', undefined], ['deploy', undefined, '2.0.0'], ['undeploy', '1.0.0', undefined], ['add', undefined, '1.0.0']]);
});

test('a history that starts with a deletion (cut by the limit) does not invent an entry', () => {
  assert.deepEqual(shape(revisions(['remove project site', null])), []);
  assert.deepEqual(shape([]), []);
});

test('describeEntry says what happened in a few words', () => {
  const [rollback, deploy, add] = deployHistory(revisions(['add', '1.0.0'], ['deploy', '1.1.0'], ['rollback site to 1.0.0', '1.0.0']));
  assert.deepEqual([rollback, deploy, add].map((e) => describeEntry(e as never)), ['rollback 1.1.0 → 1.0.0', 'deploy 1.0.0 → 1.1.0', 'added at 1.0.0']);
  const [removed, , added] = deployHistory(revisions(['add', undefined], ['deploy', '1.0.0'], ['remove', null]));
  assert.equal(describeEntry(removed as never), 'removed (was 1.0.0)');
  assert.equal(describeEntry(added as never), 'added (not deployed)');
});

test('deployValueOf reads the deploy key of a project file', () => {
  assert.equal(deployValueOf('source: x\ndeploy: 1.2.0\n'), '1.2.0');
  assert.equal(deployValueOf('deploy: "1.0"\n'), '1.0');
  assert.equal(deployValueOf('deploy: 2\n'), '2');
  assert.equal(deployValueOf('source: x\n'), undefined);
  assert.equal(deployValueOf('{ not yaml'), undefined);
  assert.equal(deployValueOf(''), undefined);
});

test('a deploy of latest shows the version it named when it was made', () => {
  const entry = { kind: 'deploy' as const, commit: 'c', subject: deployMessage('site', 'latest', '1.0.0', '1.2.0'), author: 'a', email: 'e', date: '2024-01-01T00:00:00Z', from: '1.0.0', to: 'latest' };
  assert.equal(entry.subject, 'deploy site latest (1.2.0 now, was 1.0.0)');
  assert.equal(describeEntry(entry), 'deploy 1.0.0 → latest (1.2.0)');
  assert.equal(describeEntry({ ...entry, subject: 'deploy site latest' }), 'deploy 1.0.0 → latest', 'an older commit without it');
});
