// The project keys this part adds (prebuild, build.cache) and what may be asked to build.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBuildId, requestedVersionProblem } from '../../src/domain/builds.js';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { buildSettingsKey } from '../../src/domain/plan.js';
import { jsonSchemas } from '../../src/domain/schema.js';

const read = (extra: string, build = '') =>
  readDesiredState({ path: 'opus.yaml', text: '' }, [
    { path: 'projects/site.yaml', text: `source: https://example.com/acme/site.git\ndeploy: latest\nbuild:\n  image: node:20\n  command: npm run build\n${build}${extra}` },
  ]);

test('prebuild: true is read; absent or false means no prebuild', () => {
  assert.equal(read('prebuild: true\n').projects[0]?.prebuild, true);
  assert.equal(read('').projects[0]?.prebuild, undefined);
  assert.equal(read('prebuild: false\n').projects[0]?.prebuild, undefined);
});

test('prebuild must be a boolean, reported with its file and path', () => {
  const state = read('prebuild: yes please\n');
  assert.deepEqual(state.brokenProjects, ['site']);
  assert.deepEqual(state.problems.map((p) => [p.file, p.path]), [['projects/site.yaml', 'prebuild']]);
});

test('build.cache: false opts out of the package cache; the default keeps the build spec as it was', () => {
  const off = read('', '  cache: false\n').projects[0];
  assert.equal(off?.build.cache, false);
  const on = read('', '  cache: true\n').projects[0];
  const absent = read('').projects[0];
  assert.ok(on && absent);
  assert.equal(on.build.cache, undefined);
  assert.deepEqual(on.build, absent.build);
  assert.equal(buildSettingsKey(on.source, on.build), buildSettingsKey(absent.source, absent.build), 'turning the default on explicitly is no new setting');
  assert.notEqual(buildSettingsKey(absent.source, absent.build), buildSettingsKey(absent.source, off?.build ?? absent.build), 'turning the cache off is worth a new try');
  assert.deepEqual(read('', '  cache: nope\n').problems.map((p) => p.path), ['build.cache']);
});

test('the JSON Schema documents prebuild and build.cache', () => {
  const project = jsonSchemas().project as { properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> };
  assert.match(project.properties.prebuild?.description ?? '', /ahead of deploy/);
  assert.match(project.properties.build?.properties?.cache?.description ?? '', /opus-cache-<server>-<project>/);
});

test('a build id is <project>@<version>', () => {
  assert.deepEqual(parseBuildId('site@1.2.0'), { project: 'site', version: '1.2.0' });
  assert.deepEqual(parseBuildId('my-site@v2.0.0-rc.1'), { project: 'my-site', version: 'v2.0.0-rc.1' });
  for (const bad of ['site', '@1.0.0', 'site@', 'Site@1.0.0', 'site@../x', 'site@a/b', 'site@latest', 'api@1.0.0']) assert.equal(parseBuildId(bad), undefined, bad);
});

test('a build may be asked for a tag that can be a version, or latest', () => {
  assert.equal(requestedVersionProblem('1.2.0'), undefined);
  assert.equal(requestedVersionProblem('latest'), undefined);
  for (const bad of [undefined, '', 42, 'a/b', '../x', 'archive']) assert.ok(requestedVersionProblem(bad), String(bad));
});
