import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheControl, isFingerprinted } from '../../src/server/cache-policy.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

test('files named with a content hash are cached for a year, as immutable', () => {
  for (const path of ['/site/static/app.3f9a1c2e.js', '/assets/index-BdXz81_k.css', '/assets/index-BdX-81_k.js', '/img/logo.9f8e7d6c.svg', '/fonts/inter-Xy12ab34.woff2', '/assets/index-lIemuBzy.css', '/assets/vendor-AbCdEfGh.js', '/assets/app.qWERtyui.js']) {
    assert.equal(isFingerprinted(path), true, path);
    assert.equal(cacheControl(path, false), IMMUTABLE, path);
  }
});

test('files without a hash are revalidated on every use, so a deploy or rollback shows at once', () => {
  for (const path of ['/', '/site/', '/index.html', '/about', '/app.js', '/styles/main.css', '/my-component.js', '/background-12345678.png', '/deadbeefcafe.js', '/logo-2x.png', '/jquery-3.7.1.min.js', '/fonts/OpenSans-SemiBold.ttf', '/img/logo-darkMode.svg', '/my-component-Settings.js', '/img/hero-NightSky.jpg', '/fonts/inter-ABCDEFGH.woff2', '/js/lightbox.js']) {
    assert.equal(isFingerprinted(path), false, path);
    assert.equal(cacheControl(path, false), 'no-cache', path);
  }
});

test('a fallback page (404.html served for a missing file) is never cached as immutable', () => {
  assert.equal(cacheControl('/static/app.3f9a1c2e.js', true), 'no-cache');
  assert.equal(cacheControl('/missing', true), 'no-cache');
});
