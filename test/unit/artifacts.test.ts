import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removalRefusal } from '../../src/domain/artifacts.js';

test('the live version and the desired one cannot be removed; any other can', () => {
  assert.match(removalRefusal('site', '1.1.0', { live: '1.1.0', desired: '1.2.0' }) ?? '', /site@1\.1\.0 is live: deploy another version first \(opus deploy site <version>\)/);
  assert.match(removalRefusal('site', '1.2.0', { live: '1.1.0', desired: '1.2.0' }) ?? '', /the version the config repo deploys: the next sync would build it again/);
  assert.equal(removalRefusal('site', '1.0.0', { live: '1.1.0', desired: '1.2.0' }), undefined);
  assert.equal(removalRefusal('site', '1.0.0', {}), undefined);
});
