import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withLivePointer } from '../../src/domain/live-pointers.js';

test('a switch changes one project, keeps `since` while the version stays, and an unpublish removes only that project', () => {
  const live = { site: { version: '1.0.0', since: 't0', domains: [] }, docs: { version: '2.0.0', since: 't0', domains: ['docs.example.com'] } };
  const same = withLivePointer(live, 'site', { version: '1.0.0', domains: ['a.example.com'] }, 't1');
  assert.deepEqual(same.site, { version: '1.0.0', since: 't0', domains: ['a.example.com'] });
  assert.equal(withLivePointer(live, 'site', { version: '1.1.0', domains: [] }, 't2').site?.since, 't2');
  assert.deepEqual(Object.keys(withLivePointer(live, 'site', undefined, 't3')), ['docs']);
  assert.deepEqual(Object.keys(live), ['site', 'docs'], 'the document read is not changed in place');
});
