// How builds are listed (queued with position, running, recent), which ones a restart runs again,
// and how a cancelled build of the desired version waits instead of being retried.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildViews, unfinishedRecords, type ActiveBuild, type BuildRecordFields } from '../../src/domain/builds.js';
import { DEFAULT_SETTINGS, type ProjectSpec } from '../../src/domain/desired-state.js';
import { buildSettingsKey, plan } from '../../src/domain/plan.js';

const record = (version: string, status: BuildRecordFields['status'], at: string, extra: Partial<BuildRecordFields> = {}): BuildRecordFields => ({
  project: 'site',
  version,
  status,
  startedAt: `2024-05-01T12:${at}:00.000Z`,
  ...(status === 'succeeded' || status === 'failed' || status === 'cancelled' ? { finishedAt: `2024-05-01T12:${at}:30.000Z` } : {}),
  ...extra,
});
const active = (version: string, status: 'queued' | 'running', position?: number): ActiveBuild => ({
  project: 'site',
  version,
  status,
  ...(position === undefined ? {} : { position }),
  trigger: 'api',
  force: false,
  queuedAt: '2024-05-01T12:00:00.000Z',
});

test('running builds first, then queued ones by position, then recent finished ones newest first', () => {
  const views = buildViews(
    [active('1.5.0', 'queued', 2), active('1.3.0', 'running'), active('1.4.0', 'queued', 1)],
    [record('1.3.0', 'running', '10'), record('1.0.0', 'succeeded', '01'), record('1.1.0', 'failed', '05', { error: 'exit 1' }), record('1.2.0', 'cancelled', '03')],
  );
  assert.deepEqual(
    views.map((v) => [v.id, v.status, v.position]),
    [
      ['site@1.3.0', 'running', undefined],
      ['site@1.4.0', 'queued', 1],
      ['site@1.5.0', 'queued', 2],
      ['site@1.1.0', 'failed', undefined],
      ['site@1.2.0', 'cancelled', undefined],
      ['site@1.0.0', 'succeeded', undefined],
    ],
  );
  assert.equal(views[0]?.startedAt, '2024-05-01T12:10:00.000Z');
  assert.equal(views[3]?.error, 'exit 1');
});

test('a record left queued or running with no live build shows as interrupted; recent is bounded', () => {
  const views = buildViews([], [record('1.0.0', 'running', '01'), record('1.1.0', 'queued', '02'), record('1.2.0', 'succeeded', '03')], 2);
  assert.deepEqual(views.map((v) => `${v.version} ${v.status}`), ['1.2.0 succeeded', '1.1.0 interrupted']);
});

test('a restart runs again what was queued or running, oldest queued first', () => {
  const records = [
    record('1.0.0', 'succeeded', '01'),
    record('1.3.0', 'queued', '09', { queuedAt: '2024-05-01T12:09:00.000Z' }),
    record('1.1.0', 'running', '05', { queuedAt: '2024-05-01T12:02:00.000Z' }),
    record('1.2.0', 'failed', '06'),
    record('1.4.0', 'cancelled', '07'),
  ];
  assert.deepEqual(unfinishedRecords(records).map((r) => r.version), ['1.1.0', '1.3.0']);
});

const spec: ProjectSpec = {
  name: 'site',
  file: 'projects/site.yaml',
  source: 'https://example.com/site.git',
  deploy: '2.0.0',
  build: { image: 'node:20', command: 'npm run build', output: 'dist', env: {}, network: 'default', timeoutMs: 900_000, memoryBytes: 2 ** 31 },
  domains: [],
  keep: 2,
  site: { spa: false, redirects: [], headers: [] },
};
const desired = { settings: DEFAULT_SETTINGS, projects: [spec], problems: [], brokenProjects: [], settingsBroken: false };
const NOW = Date.parse('2024-05-02T12:00:00Z');

test('a cancelled build of the desired version waits for a trigger; new build settings build it again', () => {
  const settings = buildSettingsKey(spec.source, spec.build);
  const cancelled = { 'site@2.0.0': { attempts: 0, failedAt: NOW - 7 * 24 * 3_600_000, settings, cancelled: true } };
  const waiting = plan(desired, { built: {}, live: {}, failed: cancelled, inFlight: new Set() }, {}, NOW);
  assert.deepEqual(waiting.actions, []);
  assert.match(waiting.waiting.site ?? '', /cancelled; trigger it/);

  const changed = { 'site@2.0.0': { ...cancelled['site@2.0.0'], settings: 'older settings' } };
  assert.deepEqual(plan(desired, { built: {}, live: {}, failed: changed, inFlight: new Set() }, {}, NOW).actions.map((a) => a.kind), ['build']);
});
