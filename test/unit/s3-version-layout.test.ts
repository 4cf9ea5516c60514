// What the startup sweep of a shared store takes (abandonedObjects): objects no marker names, a
// build at a time, only once the build's newest object is old, so an upload under way is never
// taken apart; markers of the layout before (no build prefix) keep their files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abandonedObjects, type VersionMarker } from '../../src/adapters/s3/s3-version-layout.js';

const marker = (version: string, files: string[], build?: string): VersionMarker => ({ version, files, bytes: 1, publishedAt: '2024-01-01T00:00:00.000Z', ...(build ? { build } : {}) });
const at = (path: string, modified: number) => ({ path, modified });

test('a build no marker names goes whole once its newest object is old; the named build and bookkeeping stay', () => {
  const markers = new Map([['site/1.0.0', marker('1.0.0', ['index.html', 'a/b.js'], 'b2')]]);
  const objects = [
    at('site/1.0.0/b2/index.html', 0), at('site/1.0.0/b2/a/b.js', 0), at('site/archive/1.0.0/b2.tar.gz', 0),
    at('site/1.0.0/b1/index.html', 0), at('site/archive/1.0.0/b1.tar.gz', 10),
    at('.opus/versions/site/1.0.0.json', 0), at('.opus/builds/site/1.0.0.json', 0),
  ];
  assert.deepEqual(abandonedObjects(objects, markers, 100).sort(), ['site/1.0.0/b1/index.html', 'site/archive/1.0.0/b1.tar.gz']);
});

test('an upload under way (an old file beside a fresh one) is kept whole, and so is a fresh version with no marker yet', () => {
  const objects = [at('site/2.0.0/b3/index.html', 0), at('site/2.0.0/b3/big.bin', 500), at('docs/1.0.0/b9/index.html', 400)];
  assert.deepEqual(abandonedObjects(objects, new Map(), 100), []);
  assert.deepEqual(abandonedObjects(objects, new Map(), 1000).sort(), ['docs/1.0.0/b9/index.html', 'site/2.0.0/b3/big.bin', 'site/2.0.0/b3/index.html']);
});

test('a marker of the layout before keeps its files and archive in place; what it does not list goes', () => {
  const markers = new Map([['site/1.0.0', marker('1.0.0', ['index.html', 'a/b.js'])]]);
  const objects = [at('site/1.0.0/index.html', 0), at('site/1.0.0/a/b.js', 0), at('site/archive/1.0.0.tar.gz', 0), at('site/1.0.0/gone.js', 0), at('site/archive/0.9.0.tar.gz', 0)];
  assert.deepEqual(abandonedObjects(objects, markers, 100).sort(), ['site/1.0.0/gone.js', 'site/archive/0.9.0.tar.gz']);
});
