import assert from 'node:assert/strict';
import { test } from 'node:test';
import { branchName, pullRequestText } from '../../src/domain/pull-request.js';

test('branch names say what changes', () => {
  assert.equal(branchName({ kind: 'deploy', project: 'site', source: 's', to: '1.1.0', from: '1.0.0' }), 'opus/deploy-site-1.1.0');
  assert.equal(branchName({ kind: 'rollback', project: 'site', source: 's', to: '1.0.0' }), 'opus/rollback-site-1.0.0');
  assert.equal(branchName({ kind: 'add', project: 'docs', source: 's', image: 'i', command: 'c', output: 'dist' }), 'opus/add-docs');
  assert.equal(branchName({ kind: 'add', project: 'docs', source: 's', image: 'i', command: 'c', output: 'dist', deploy: 'latest' }), 'opus/add-docs-latest');
  assert.equal(branchName({ kind: 'remove', project: 'site' }), 'opus/remove-site');
  assert.equal(branchName({ kind: 'deploy', project: 'site', source: 's', to: 'v1.0+build.7' }), 'opus/deploy-site-v1.0+build.7');
});

test('a deploy says from what to what, what gets built and what stays live meanwhile', () => {
  const text = pullRequestText({ kind: 'deploy', project: 'site', source: 'https://git.example.com/acme/site.git', to: '1.1.0', from: '1.0.0' }, 'deploy site 1.1.0 (was 1.0.0)');
  assert.equal(text.title, 'deploy site 1.1.0 (was 1.0.0)');
  assert.equal(text.branch, 'opus/deploy-site-1.1.0');
  assert.match(text.body, /^Deploys \*\*site\*\* from \*\*1\.0\.0\*\* to \*\*1\.1\.0\*\*\./);
  assert.match(text.body, /\| live now \(desired\) \| 1\.0\.0 \|\n\| after merge \| 1\.1\.0 \|/);
  assert.match(text.body, /Opus builds site@1\.1\.0 from https:\/\/git\.example\.com\/acme\/site\.git unless it is already built/);
  assert.match(text.body, /Until the build succeeds, 1\.0\.0 keeps being served; if it fails, 1\.0\.0 stays live\./);
  assert.match(text.body, /Merging it is the deploy/);
});

test('"latest" is shown with what it resolves to now; a first deploy says nothing is served until built', () => {
  const text = pullRequestText({ kind: 'deploy', project: 'site', source: 's', to: 'latest', resolved: '1.4.2' }, 'deploy site latest');
  assert.match(text.body, /to \*\*latest \(1\.4\.2 now\)\*\*/);
  assert.match(text.body, /Opus builds site@1\.4\.2/);
  assert.match(text.body, /Until the build succeeds, nothing is served for this project\./);
});

test('rollback, add and remove bodies', () => {
  assert.match(pullRequestText({ kind: 'rollback', project: 'site', source: 's', to: '1.0.0', from: '1.1.0' }, 'rollback site to 1.0.0 (was 1.1.0)').body, /^Rolls back \*\*site\*\* from \*\*1\.1\.0\*\* to \*\*1\.0\.0\*\*/);
  const add = pullRequestText({ kind: 'add', project: 'docs', source: '../docs', image: 'node:20', command: 'npm run build', output: 'dist', deploy: '2.0.0' }, 'add project docs at 2.0.0').body;
  assert.match(add, /Adds the project \*\*docs\*\*/);
  assert.match(add, /- build: `npm run build` in `node:20`, serving `dist\/`/);
  assert.match(add, /Opus builds \*\*docs@2\.0\.0\*\* and serves it at `\/docs\/`/);
  assert.match(pullRequestText({ kind: 'add', project: 'docs', source: 's', image: 'i', command: 'c', output: 'out' }, 'add project docs').body, /Nothing is deployed yet/);
  const remove = pullRequestText({ kind: 'remove', project: 'site', deployed: '1.1.0' }, 'remove project site').body;
  assert.match(remove, /Removes the project \*\*site\*\*/);
  assert.match(remove, /stops serving site \(now at 1\.1\.0\) at its next sync/);
});
