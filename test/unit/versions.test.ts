import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newestSemverTag, parseLsRemoteTags } from '../../src/domain/versions.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);

test('ls-remote output gives tag names and the commit each points to, peeled tags to their commit', () => {
  const output = [
    `${A}\trefs/tags/v1.0.0`, // annotated: this sha is the tag object
    `${B}\trefs/tags/v1.0.0^{}`, // …and this is the commit
    `${C}\trefs/tags/lightweight`,
    `${D}\trefs/heads/main`,
    `${D}\tHEAD`,
    '',
  ].join('\n');
  const tags = parseLsRemoteTags(output);
  assert.deepEqual([...tags.entries()].sort(), [
    ['lightweight', C],
    ['v1.0.0', B],
  ]);
});

test('a peeled line wins whatever order the lines come in, and blank or odd lines are ignored', () => {
  const tags = parseLsRemoteTags(`${B}\trefs/tags/2.0.0^{}\n${A}\trefs/tags/2.0.0\n\n   \nnot a line\r\n${C} refs/tags/with-space-separator\r\n`);
  assert.equal(tags.get('2.0.0'), B);
  assert.equal(tags.get('with-space-separator'), C);
  assert.equal(tags.size, 2);
});

test('tag names with slashes are kept whole', () => {
  assert.deepEqual([...parseLsRemoteTags(`${A}\trefs/tags/release/1.0\n`).keys()], ['release/1.0']);
});

test('the newest semver tag is picked by version order, not by text order', () => {
  assert.equal(newestSemverTag(['1.2.0', '1.10.0', '1.9.3']), '1.10.0');
  assert.equal(newestSemverTag(['0.9.0', '2.0.0', '10.0.0', '9.99.99']), '10.0.0');
});

test('a "v" prefix counts: v1.2.0 is 1.2.0, and the tag is returned as written', () => {
  assert.equal(newestSemverTag(['v1.2.0', 'v1.10.0', 'v1.3.0']), 'v1.10.0');
  assert.equal(newestSemverTag(['1.2.0', 'v1.3.0']), 'v1.3.0');
  assert.equal(newestSemverTag(['v2.0.0', '1.9.0']), 'v2.0.0');
});

test('two tags of the same version resolve to the same one whatever their order', () => {
  const one = newestSemverTag(['v1.0.0', '1.0.0']);
  const other = newestSemverTag(['1.0.0', 'v1.0.0']);
  assert.equal(one, other);
  assert.ok(one === '1.0.0' || one === 'v1.0.0');
});

test('pre-releases are never picked by latest, even when newer', () => {
  assert.equal(newestSemverTag(['1.2.0', '1.3.0-rc.1', '2.0.0-beta', 'v2.0.0-alpha.3']), '1.2.0');
  assert.equal(newestSemverTag(['1.0.0-rc.1']), undefined);
});

test('tags that are not semver are ignored', () => {
  assert.equal(newestSemverTag(['release-9', '1.2', 'latest', 'v3', 'nightly', '1.0.0']), '1.0.0');
  assert.equal(newestSemverTag(['release-9', '1.2', 'v3']), undefined);
  assert.equal(newestSemverTag([]), undefined);
});

test('tags may come from any iterable, such as the keys of ls-remote output', () => {
  const tags = parseLsRemoteTags(`${A}\trefs/tags/v0.1.0\n${B}\trefs/tags/v0.2.0\n${C}\trefs/tags/v0.2.0^{}\n`);
  assert.equal(newestSemverTag(tags.keys()), 'v0.2.0');
});
