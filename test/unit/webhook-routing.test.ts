import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routePush } from '../../src/domain/push-routing.js';
import { RecentIds } from '../../src/domain/recent-ids.js';
import type { PushEvent } from '../../src/domain/webhook-payload.js';

const projects = [
  { name: 'site', source: 'https://github.com/acme/site.git', deploy: 'latest' },
  { name: 'site-preview', source: 'git@github.com:acme/site.git', deploy: '1.0.0', prebuild: true },
  { name: 'docs', source: 'https://github.com/acme/docs', deploy: 'latest', prebuild: true },
  { name: 'pinned', source: '/srv/git/pinned.git' },
];
const CONFIG = 'https://github.com/acme/opus-config.git';

function push(ref: string, urls = ['https://github.com/acme/site.git', 'git@github.com:acme/site.git'], deleted = false): PushEvent {
  const tag = ref.startsWith('refs/tags/') ? { tag: ref.slice(10) } : {};
  const branch = ref.startsWith('refs/heads/') ? { branch: ref.slice(11) } : {};
  return { kind: 'push', ref, ...tag, ...branch, deleted, repoUrls: urls };
}

test('a tag pushed to a source builds it for prebuild projects and re-resolves latest ones', () => {
  const route = routePush(push('refs/tags/1.4.0'), CONFIG, projects);
  assert.deepEqual(route, { config: false, repo: 'github.com/acme/site', projects: ['site', 'site-preview'], prebuild: ['site-preview'], latest: ['site'] });
});

test('a branch push to a source changes nothing (Opus deploys tags)', () => {
  const route = routePush(push('refs/heads/main'), CONFIG, projects);
  assert.deepEqual([route.config, route.prebuild, route.latest], [false, [], []]);
  assert.deepEqual(route.projects, ['site', 'site-preview']);
});

test('a deleted tag builds nothing but may change what latest means', () => {
  const route = routePush(push('refs/tags/1.4.0', undefined, true), CONFIG, projects);
  assert.deepEqual([route.prebuild, route.latest], [[], ['site']]);
});

test('a tag that cannot be a version is not prebuilt', () => {
  assert.deepEqual(routePush(push('refs/tags/release/1.0'), CONFIG, projects).prebuild, []);
  assert.deepEqual(routePush(push('refs/tags/archive'), CONFIG, projects).prebuild, []);
});

test('any push to the config repo syncs; matching is by normalized address', () => {
  const route = routePush(push('refs/heads/main', ['https://GITHUB.com/acme/opus-config', 'git@github.com:acme/opus-config.git']), CONFIG, projects);
  assert.equal(route.config, true);
  assert.deepEqual(route.projects, []);
  assert.equal(routePush(push('refs/heads/main', ['file:///srv/git/pinned']), undefined, projects).projects[0], 'pinned');
  assert.equal(routePush(push('refs/heads/main'), undefined, projects).config, false, 'no config repo known');
});

test('a push to an unknown repository matches nothing', () => {
  const route = routePush(push('refs/tags/1.0.0', ['https://github.com/acme/other.git']), CONFIG, projects);
  assert.deepEqual([route.config, route.projects, route.prebuild, route.latest], [false, [], [], []]);
});

test('RecentIds remembers a bounded number of ids, forgetting the oldest first', () => {
  const ids = new RecentIds(3);
  assert.equal(ids.remember('a'), true);
  assert.equal(ids.remember('a'), false);
  for (const id of ['b', 'c', 'd']) assert.equal(ids.remember(id), true);
  assert.equal(ids.size, 3);
  assert.equal(ids.remember('a'), true, 'the oldest was forgotten');
  assert.equal(ids.remember('d'), false);
});
