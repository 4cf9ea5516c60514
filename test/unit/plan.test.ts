import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, type DesiredState, type ProjectSpec } from '../../src/domain/desired-state.js';
import { buildSettingsKey, plan, retryDelayMs, type Action, type ActualState, type ResolvedVersions } from '../../src/domain/plan.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const MINUTE = 60_000;

function spec(name: string, deploy: string | undefined, overrides: Partial<ProjectSpec> = {}): ProjectSpec {
  return {
    name,
    file: `projects/${name}.yaml`,
    source: `https://example.com/${name}.git`,
    ...(deploy === undefined ? {} : { deploy }),
    build: { image: 'node:20', command: 'npm run build', output: 'dist', env: {}, network: 'default', timeoutMs: 900_000, memoryBytes: 2 ** 31 },
    domains: [],
    keep: 2,
    site: { spa: false, redirects: [], headers: [] },
    ...overrides,
  };
}

function desired(projects: ProjectSpec[], extra: Partial<DesiredState> = {}): DesiredState {
  return { settings: DEFAULT_SETTINGS, projects, problems: [], brokenProjects: [], settingsBroken: false, ...extra };
}

function actual(extra: Partial<ActualState> = {}): ActualState {
  return { built: {}, live: {}, failed: {}, inFlight: new Set(), ...extra };
}

const built = (...versions: string[]) => versions.map((version, i) => ({ version, builtAt: NOW - (versions.length - i) * MINUTE }));

/** Actions in a short readable form, to compare whole plans. */
function summary(actions: Action[]): string[] {
  return actions.map((a) => `${a.kind} ${typeof a.project === 'string' ? a.project : a.project.name}@${a.version}`);
}

test('a desired version that is not built yet is built', () => {
  const site = spec('site', '1.0.0');
  const result = plan(desired([site]), actual(), {}, NOW);
  assert.deepEqual(summary(result.actions), ['build site@1.0.0']);
  const [action] = result.actions;
  assert.equal(action?.kind, 'build');
  if (action?.kind === 'build') assert.equal(action.project, site);
});

test('a built desired version is switched to, naming the version it replaces', () => {
  const site = spec('site', '1.1.0', { domains: ['www.example.com'] });
  const result = plan(desired([site]), actual({ built: { site: built('1.0.0', '1.1.0') }, live: { site: { version: '1.0.0', domains: ['www.example.com'], site: site.site } } }), {}, NOW);
  assert.deepEqual(result.actions, [{ kind: 'switch', project: 'site', version: '1.1.0', domains: ['www.example.com'], site: site.site, from: '1.0.0' }]);
});

test('the first deploy switches without a "from"', () => {
  const result = plan(desired([spec('site', '1.0.0')]), actual({ built: { site: built('1.0.0') } }), {}, NOW);
  assert.equal(result.actions.length, 1);
  assert.equal(result.actions[0]?.kind, 'switch');
  assert.equal('from' in (result.actions[0] ?? {}), false);
});

test('nothing happens when the live version is the desired one with the same domains and options', () => {
  const site = spec('site', '1.0.0', { domains: ['a.example.com'] });
  const result = plan(desired([site]), actual({ built: { site: built('1.0.0') }, live: { site: { version: '1.0.0', domains: ['a.example.com'], site: site.site } } }), {}, NOW);
  assert.deepEqual(result.actions, []);
  assert.deepEqual(result.waiting, {});
});

test('a change of domains alone switches again, to the same version', () => {
  const site = spec('site', '1.0.0', { domains: ['new.example.com'] });
  const result = plan(desired([site]), actual({ built: { site: built('1.0.0') }, live: { site: { version: '1.0.0', domains: ['old.example.com'], site: site.site } } }), {}, NOW);
  assert.deepEqual(result.actions, [{ kind: 'switch', project: 'site', version: '1.0.0', domains: ['new.example.com'], site: site.site }]);
});

test('a change of site options alone switches again', () => {
  const site = spec('site', '1.0.0', { site: { spa: true, redirects: [], headers: [] } });
  const result = plan(desired([site]), actual({ built: { site: built('1.0.0') }, live: { site: { version: '1.0.0', domains: [], site: { spa: false, redirects: [], headers: [] } } } }), {}, NOW);
  assert.deepEqual(summary(result.actions), ['switch site@1.0.0']);
});

test('a build already queued or running is not started again', () => {
  const result = plan(desired([spec('site', '2.0.0')]), actual({ inFlight: new Set(['site@2.0.0']) }), {}, NOW);
  assert.deepEqual(result.actions, []);
});

test('a failed build is not retried before its backoff, and says when it will be', () => {
  const site = spec('site', '1.0.0');
  const failedAt = NOW - 2 * MINUTE;
  const failed = { 'site@1.0.0': { attempts: 1, failedAt, settings: buildSettingsKey(site.source, site.build) } };
  const result = plan(desired([site]), actual({ failed }), {}, NOW);
  assert.deepEqual(result.actions, []);
  assert.match(result.waiting.site ?? '', /failed/);
  assert.ok(result.waiting.site?.includes(new Date(failedAt + retryDelayMs(1)).toISOString()), result.waiting.site);
});

test('a failed build is retried once its backoff has passed', () => {
  const site = spec('site', '1.0.0');
  const failed = { 'site@1.0.0': { attempts: 3, failedAt: NOW - retryDelayMs(3), settings: buildSettingsKey(site.source, site.build) } };
  assert.deepEqual(summary(plan(desired([site]), actual({ failed }), {}, NOW).actions), ['build site@1.0.0']);
  assert.deepEqual(summary(plan(desired([site]), actual({ failed }), {}, NOW - 1).actions), []);
});

test('a failed build is retried at once when its build settings change', () => {
  const before = spec('site', '1.0.0');
  const failed = { 'site@1.0.0': { attempts: 1, failedAt: NOW - MINUTE, settings: buildSettingsKey(before.source, before.build) } };
  const newCommand = spec('site', '1.0.0', { build: { ...before.build, command: 'npm ci && npm run build' } });
  assert.deepEqual(summary(plan(desired([newCommand]), actual({ failed }), {}, NOW).actions), ['build site@1.0.0']);
  const newEnv = spec('site', '1.0.0', { build: { ...before.build, env: { NODE_ENV: 'production' } } });
  assert.deepEqual(summary(plan(desired([newEnv]), actual({ failed }), {}, NOW).actions), ['build site@1.0.0']);
  const newSource = spec('site', '1.0.0', { source: 'https://example.com/moved.git' });
  assert.deepEqual(summary(plan(desired([newSource]), actual({ failed }), {}, NOW).actions), ['build site@1.0.0']);
});

test('build settings keys do not depend on the order env vars are written in', () => {
  const base = spec('site', '1.0.0').build;
  assert.equal(buildSettingsKey('s', { ...base, env: { A: '1', B: '2' } }), buildSettingsKey('s', { ...base, env: { B: '2', A: '1' } }));
  assert.notEqual(buildSettingsKey('s', { ...base, env: { A: '1' } }), buildSettingsKey('s', { ...base, env: { A: '2' } }));
});

test('backoff doubles from five minutes and stops growing at six hours', () => {
  assert.equal(retryDelayMs(1), 5 * MINUTE);
  assert.equal(retryDelayMs(2), 10 * MINUTE);
  assert.equal(retryDelayMs(3), 20 * MINUTE);
  assert.equal(retryDelayMs(0), 5 * MINUTE);
  assert.equal(retryDelayMs(50), 6 * 60 * MINUTE);
  for (let n = 1; n < 20; n++) assert.ok(retryDelayMs(n + 1) >= retryDelayMs(n));
});

test('a project whose file was removed is unpublished', () => {
  const result = plan(desired([]), actual({ live: { gone: { version: '1.0.0', domains: ['gone.example.com'] } } }), {}, NOW);
  assert.deepEqual(result.actions, [{ kind: 'unpublish', project: 'gone', version: '1.0.0' }]);
});

test('a removed project is unpublished, then every built version of it is pruned (one still building is left to end)', () => {
  const result = plan(desired([]), actual({ built: { gone: built('1.0.0', '1.1.0', '1.2.0') }, live: { gone: { version: '1.1.0', domains: [] } }, inFlight: new Set(['gone@1.2.0']) }), {}, NOW);
  assert.deepEqual(summary(result.actions), ['unpublish gone@1.1.0', 'prune gone@1.1.0', 'prune gone@1.0.0']);
});

test('a project with no deploy any more is unpublished, one never deployed is left alone', () => {
  const result = plan(desired([spec('was', undefined), spec('never', undefined)]), actual({ built: { was: built('1.0.0') }, live: { was: { version: '1.0.0', domains: [] } } }), {}, NOW);
  assert.deepEqual(summary(result.actions), ['unpublish was@1.0.0']);
});

test('a project whose file is broken keeps serving: no unpublish, no build, no prune', () => {
  const state = desired([spec('ok', '1.0.0')], { brokenProjects: ['broken'] });
  const result = plan(state, actual({ built: { ok: built('1.0.0'), broken: built('0.1', '0.2', '0.3', '0.4', '0.5') }, live: { ok: { version: '1.0.0', domains: [], site: spec('ok', '1.0.0').site }, broken: { version: '0.5', domains: ['b.example.com'] } } }), {}, NOW);
  assert.deepEqual(result.actions, []);
});

test('when opus.yaml is broken nothing at all is changed', () => {
  const state = desired([spec('site', '2.0.0'), spec('new', '1.0.0')], { settingsBroken: true });
  const result = plan(state, actual({ built: { site: built('1.0.0', '2.0.0', 'a', 'b', 'c', 'd') }, live: { site: { version: '1.0.0', domains: [] }, gone: { version: '1', domains: [] } } }), {}, NOW);
  assert.deepEqual(result.actions, []);
});

test('a version that could not be resolved waits with the reason and does not touch the live site', () => {
  const resolved: ResolvedVersions = { site: { error: 'deploy: latest, but the source has no semver tag yet' } };
  const result = plan(desired([spec('site', 'latest')]), actual({ built: { site: built('1.0.0') }, live: { site: { version: '1.0.0', domains: [] } } }), resolved, NOW);
  assert.deepEqual(result.actions, []);
  assert.equal(result.waiting.site, resolved.site?.error);
});

test('`latest` is planned as the version it was resolved to', () => {
  const result = plan(desired([spec('site', 'latest')]), actual({ built: { site: built('1.0.0') } }), { site: { version: '1.2.0' } }, NOW);
  assert.deepEqual(summary(result.actions), ['build site@1.2.0']);
});

test('old versions beyond keep are pruned, oldest first, never the live or the desired one', () => {
  // keep: 2 — besides live (1.0) and desired (2.0), the two newest others stay.
  const versions = [
    { version: '2.0', builtAt: NOW - 10 * MINUTE },
    { version: '1.0', builtAt: NOW - 100 * MINUTE },
    { version: '1.1', builtAt: NOW - 90 * MINUTE },
    { version: '1.2', builtAt: NOW - 80 * MINUTE },
    { version: '1.3', builtAt: NOW - 70 * MINUTE },
    { version: '1.4', builtAt: NOW - 60 * MINUTE },
  ];
  const site = spec('site', '2.0');
  const result = plan(desired([site]), actual({ built: { site: versions }, live: { site: { version: '1.0', domains: [], site: site.site } } }), {}, NOW);
  const pruned = result.actions.filter((a) => a.kind === 'prune').map((a) => a.version).sort();
  assert.deepEqual(pruned, ['1.1', '1.2']);
  assert.ok(result.actions.some((a) => a.kind === 'switch' && a.version === '2.0'));
});

test('nothing is pruned while within keep, and a version being built is never pruned', () => {
  const site = spec('site', '3.0', { keep: 1 });
  const versions = built('1.0', '2.0', '2.5', '3.0');
  const within = plan(desired([spec('site', '3.0', { keep: 5 })]), actual({ built: { site: versions }, live: { site: { version: '3.0', domains: [], site: site.site } } }), {}, NOW);
  assert.deepEqual(within.actions, []);
  const busy = plan(desired([site]), actual({ built: { site: versions }, live: { site: { version: '3.0', domains: [], site: site.site } }, inFlight: new Set(['site@1.0']) }), {}, NOW);
  assert.deepEqual(summary(busy.actions), ['prune site@2.0']);
});

test('each project is planned on its own', () => {
  const a = spec('a', '1.0');
  const b = spec('b', '2.0');
  const result = plan(desired([a, b]), actual({ built: { a: built('1.0') }, inFlight: new Set(['b@2.0']) }), {}, NOW);
  assert.deepEqual(summary(result.actions), ['switch a@1.0']);
});

test('a build that failed because the engine did not answer is retried after seconds, not after the backoff', () => {
  const site = spec('site', '1.0.0');
  const failed = { 'site@1.0.0': { attempts: 5, failedAt: NOW - 20_000, settings: buildSettingsKey(site.source, site.build), unavailable: true } };
  assert.deepEqual(summary(plan(desired([site]), actual({ failed }), {}, NOW).actions), ['build site@1.0.0']);
  const recent = plan(desired([site]), actual({ failed: { 'site@1.0.0': { ...failed['site@1.0.0'], failedAt: NOW - 5_000 } } }), {}, NOW);
  assert.deepEqual(recent.actions, []);
  assert.match(recent.waiting.site ?? '', /the build engine did not answer/);
});
