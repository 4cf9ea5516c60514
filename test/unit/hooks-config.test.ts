import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, readDesiredState, type ConfigProblem } from '../../src/domain/desired-state.js';
import { hookId, hookPayload, hookWants } from '../../src/domain/hooks.js';
import { jsonSchemas } from '../../src/domain/schema.js';

const read = (text: string) => readDesiredState({ path: 'opus.yaml', text }, []);
const paths = (problems: ConfigProblem[]) => problems.map((p) => `${p.path}: ${p.message}`);

test('hooks in opus.yaml are read with their ids, events and secret references', () => {
  const state = read(`hooks:
  - name: chat
    url: https://hooks.example.com/opus
    events: [build.failed, deploy.succeeded]
    secret: { env: CHAT_HOOK_SECRET }
  - url: http://127.0.0.1:9000/all
    events: ["*"]
    secret: { file: /run/secrets/hook }
`);
  assert.deepEqual(state.problems, []);
  assert.equal(state.settingsBroken, false);
  assert.deepEqual(state.settings.hooks, [
    { id: 'chat', name: 'chat', url: 'https://hooks.example.com/opus', events: ['build.failed', 'deploy.succeeded'], secret: { env: 'CHAT_HOOK_SECRET' } },
    { id: hookId({ url: 'http://127.0.0.1:9000/all' }), url: 'http://127.0.0.1:9000/all', events: ['*'], secret: { file: '/run/secrets/hook' } },
  ]);
  assert.match(state.settings.hooks?.[1]?.id ?? '', /^url-[0-9a-f]{12}$/);
});

test('without hooks the settings are the defaults, with no hooks key', () => {
  assert.deepEqual(read('').settings, DEFAULT_SETTINGS);
  assert.deepEqual(read('hooks: []\n').settings, DEFAULT_SETTINGS);
});

test('every problem of every hook is reported at once, and a broken hook breaks opus.yaml', () => {
  const state = read(`hooks:
  - url: ftp://example.com/x
    events: [build.exploded]
    secret: hunter2
  - name: Chat Ops
    url: https://example.com/a
    events: []
    secret: { env: "1BAD" }
  - url: https://example.com/b
    events: [rollback]
    secret: { env: OK }
    extra: 1
  - url: https://example.com/c
    events: ["*"]
`);
  assert.equal(state.settingsBroken, true);
  assert.equal(state.settings.hooks, undefined);
  const found = paths(state.problems);
  for (const path of ['hooks.0.url: use an http(s) URL', 'hooks.0.events.0: use one of build.queued', 'hooks.0.secret: use { env: NAME }', 'hooks.1.name: use lowercase', 'hooks.1.events: list at least one event', 'hooks.1.secret', 'hooks.2: unknown key "extra"', 'hooks.3.secret: required']) {
    assert.ok(found.some((f) => f.startsWith(path)), `expected a problem at ${path}, got:\n${found.join('\n')}`);
  }
  assert.ok(state.problems.every((p) => p.file === 'opus.yaml'));
});

test('two hooks may not share a name, nor (without names) a URL', () => {
  const hook = (extra: string) => `  - ${extra}\n    events: ["*"]\n    secret: { env: S }\n`;
  const named = read(`hooks:\n${hook('name: chat\n    url: https://a.example.com/')}${hook('name: chat\n    url: https://b.example.com/')}`);
  assert.deepEqual(paths(named.problems), ['hooks.1.name: "chat" is already the name of hook 1']);
  const unnamed = read(`hooks:\n${hook('url: https://a.example.com/')}${hook('url: https://a.example.com/')}`);
  assert.deepEqual(paths(unnamed.problems), ['hooks.1.url: hook 1 has the same URL: give one of them a name']);
  const distinct = read(`hooks:\n${hook('url: https://a.example.com/')}${hook('name: second\n    url: https://a.example.com/')}`);
  assert.deepEqual(distinct.problems, []);
});

test('the JSON Schema of opus.yaml describes hooks, event names included', () => {
  const settings = jsonSchemas().settings as { properties: { hooks: { items: { properties: Record<string, { items?: { enum?: string[] }; enum?: string[] }>; required: string[] } } } };
  const item = settings.properties.hooks.items;
  // secret is required unless format is slack or discord: the validator says so (the schema cannot).
  assert.deepEqual([...item.required].sort(), ['events', 'url']);
  assert.deepEqual(item.properties.format?.enum, ['opus', 'slack', 'discord']);
  assert.ok(item.properties.events?.items?.enum?.includes('config.invalid'));
  assert.ok(item.properties.events?.items?.enum?.includes('*'));
});

test('a hook gets the events it lists, or all with "*"', () => {
  assert.equal(hookWants({ events: ['build.failed'] }, 'build.failed'), true);
  assert.equal(hookWants({ events: ['build.failed'] }, 'build.succeeded'), false);
  assert.equal(hookWants({ events: ['*'] }, 'sync.failed'), true);
});

test('the body has every documented key, null when unknown, the build URL under the public URL and the site on its own host', () => {
  const at = '2025-01-01T00:00:00.000Z';
  const origins = { dashboardHosts: ['opus.example.com'], sitesDomain: 'sites.example.net', pathHosts: ['paths.example.net'] };
  const body = hookPayload('e1', { event: 'deploy.succeeded', at, project: 'site', version: '1.2.0+b', previousVersion: '1.1.0', configCommit: 'abc' }, 'https://opus.example.com/', origins);
  assert.deepEqual(body, {
    id: 'e1',
    event: 'deploy.succeeded',
    at,
    project: 'site',
    version: '1.2.0+b',
    commit: null,
    previousVersion: '1.1.0',
    configCommit: 'abc',
    message: null,
    durationMs: null,
    domain: null,
    problems: null,
    preview: null,
    urls: { site: 'https://site.sites.example.net/', preview: 'https://paths.example.net/site@1.2.0%2Bb/', build: 'https://opus.example.com/api/v1/builds/site@1.2.0%2Bb' },
  });
  const invalid = hookPayload('e2', { event: 'config.invalid', at, problems: [{ file: 'opus.yaml', path: 'hooks.0.url', message: 'bad' }] }, 'http://127.0.0.1:8080');
  assert.deepEqual(invalid.urls, { site: null, preview: null, build: null });
  assert.deepEqual(invalid.problems, [{ file: 'opus.yaml', path: 'hooks.0.url', message: 'bad' }]);
});
