import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveChanges, mirrorWork, previewServable } from '../../src/domain/mirror-plan.js';

const site = (version: string, domains: string[] = []) => ({ version, domains });

test('liveChanges: switches what differs in version, domains or site options; unpublishes what left', () => {
  const shared = { a: { ...site('2.0.0'), since: 'x' }, b: site('1.0.0', ['b.example']), c: { ...site('1.0.0'), site: { spa: true, redirects: [], headers: [] } }, d: site('1.0.0') };
  const serving = { a: site('1.0.0'), b: site('1.0.0'), c: site('1.0.0'), d: site('1.0.0'), gone: site('3.0.0') };
  const { switches, unpublished } = liveChanges(shared, serving);
  assert.deepEqual(switches.map((s) => s.project), ['a', 'b', 'c']);
  assert.deepEqual(switches[0]?.pointer, site('2.0.0'), 'the since of the shared pointer is not copied');
  assert.deepEqual(unpublished, ['gone']);
});

test('mirrorWork: fetches new and rebuilt servable versions, drops what left the store or is no longer servable, never what is served', () => {
  const published = [
    { project: 'a', version: '1.0.0', stamp: 's1' },
    { project: 'a', version: '2.0.0', stamp: 's2-rebuilt' },
    { project: 'a', version: '3.0.0', stamp: 's3' },
  ];
  const mirrored = [
    { project: 'a', version: '1.0.0', stamp: 's1' },
    { project: 'a', version: '2.0.0', stamp: 's2' },
    { project: 'a', version: '0.9.0', stamp: 's0' },
    { project: 'a', version: '0.8.0', stamp: 's0' },
    { project: 'b', version: '1.0.0', stamp: undefined },
  ];
  const all = new Set(['a@1.0.0', 'a@2.0.0', 'a@3.0.0', 'b@1.0.0']);
  const { fetch, drop } = mirrorWork(published, mirrored, new Set(['a@0.8.0']), all);
  assert.deepEqual(fetch.map((f) => f.version), ['2.0.0', '3.0.0']);
  assert.deepEqual(drop.map((d) => `${d.project}@${d.version}`), ['a@0.9.0', 'b@1.0.0']);
  // Only live (3.0.0) and recently live (2.0.0) are servable: 1.0.0 is dropped, nothing else is fetched.
  const narrow = mirrorWork(published, mirrored, new Set(['a@0.8.0']), new Set(['a@3.0.0', 'a@2.0.0']));
  assert.deepEqual(narrow.fetch.map((f) => f.version), ['2.0.0', '3.0.0']);
  assert.deepEqual(narrow.drop.map((d) => `${d.project}@${d.version}`), ['a@1.0.0', 'a@0.9.0', 'b@1.0.0']);
});

test('mirrorWork: a mirrored version with no known stamp is downloaded again', () => {
  const { fetch } = mirrorWork([{ project: 'a', version: '1.0.0', stamp: 's1' }], [{ project: 'a', version: '1.0.0', stamp: undefined }], new Set(), new Set(['a@1.0.0']));
  assert.equal(fetch.length, 1);
});

test('previewServable: what each preview serves and the versions it built, once each; nothing of a preview that is gone', () => {
  const previews = [
    { project: 'site', served: 'sha-bbbbbbbbbbbb', versions: ['sha-bbbbbbbbbbbb', 'sha-aaaaaaaaaaaa'] },
    { project: 'docs', versions: ['sha-cccccccccccc'] },
  ];
  assert.deepEqual(previewServable(previews), ['site@sha-bbbbbbbbbbbb', 'site@sha-aaaaaaaaaaaa', 'docs@sha-cccccccccccc']);
  const servable = new Set(previewServable(previews.slice(1)));
  const published = [{ project: 'site', version: 'sha-aaaaaaaaaaaa', stamp: 'x' }, { project: 'docs', version: 'sha-cccccccccccc', stamp: 'y' }];
  assert.deepEqual(mirrorWork(published, [{ project: 'site', version: 'sha-aaaaaaaaaaaa', stamp: 'x' }], new Set(), servable), { fetch: [published[1]], drop: [{ project: 'site', version: 'sha-aaaaaaaaaaaa', stamp: 'x' }] });
});
