import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildKey, isProjectName, isVersion, projectNameProblem, RESERVED_PROJECT_NAMES, versionProblem } from '../../src/domain/names.js';

test('project names are DNS labels: lowercase letters, digits and inner hyphens', () => {
  for (const name of ['site', 'my-site', 'a', '0', 'web2', 'a-b-c', 'x'.repeat(63)]) {
    assert.equal(projectNameProblem(name), undefined, name);
    assert.equal(isProjectName(name), true, name);
  }
});

test('names that could not be a DNS label or a safe directory are refused, with an example of a good one', () => {
  for (const name of ['', 'My-Site', '-site', 'site-', 'my_site', 'my.site', 'my site', '..', '.opus', 'a/b', 'x'.repeat(64), 'café']) {
    const problem = projectNameProblem(name);
    assert.ok(problem, `"${name}" was accepted`);
    assert.match(problem, /"my-site"/);
    assert.equal(isProjectName(name), false);
  }
});

test('names of the server\'s own routes are reserved', () => {
  for (const name of ['api', 'hooks', 'healthz', 'metrics', 'opus']) {
    assert.ok(RESERVED_PROJECT_NAMES.has(name));
    assert.match(projectNameProblem(name) ?? '', /reserved/);
    assert.equal(isProjectName(name), false);
  }
});

test('versions are git tags that make one safe path segment', () => {
  for (const version of ['1.2.0', 'v1.2.0', '1.0.0-rc.1', '1.0.0+build.7', 'release_2024', 'A', 'x'.repeat(128)]) {
    assert.equal(versionProblem(version), undefined, version);
    assert.equal(isVersion(version), true, version);
  }
});

test('versions that could escape or confuse the artifact tree are refused', () => {
  for (const version of ['', '..', '.', '.hidden', '-1', '_x', 'a/b', 'a\\b', '1..2', 'a b', 'a:b', '1.0\n', 'x'.repeat(129), '../etc']) {
    const problem = versionProblem(version);
    assert.ok(problem, `${JSON.stringify(version)} was accepted`);
    assert.match(problem, /cannot be a version/);
    assert.equal(isVersion(version), false);
  }
});

test('"archive" and "latest" can never be built versions', () => {
  assert.match(versionProblem('archive') ?? '', /reserved/);
  assert.match(versionProblem('latest') ?? '', /reserved/);
});

test('a build key names project and version', () => {
  assert.equal(buildKey('site', '1.0.0'), 'site@1.0.0');
  assert.notEqual(buildKey('a', '1'), buildKey('a', '2'));
});
