import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMBEDDED_ORIGINS } from '../../src/domain/origins.js';
import { previewUrl, projectUrls, siteAddress } from '../../src/domain/urls.js';

const embedded = siteAddress('http://127.0.0.1:8080', EMBEDDED_ORIGINS);

test('each project on its own host under the sites domain, previews on <version>--<project>, in the port the dashboard was reached by', () => {
  assert.deepEqual(projectUrls(embedded, 'site', ['www.example.com'], ['1.1.0', '1.0.0']), {
    site: 'http://site.localhost:8080/',
    domains: ['http://www.example.com/'],
    previews: { '1.1.0': 'http://1-1-0--site.localhost:8080/', '1.0.0': 'http://1-0-0--site.localhost:8080/' },
  });
});

test('a real install: https, default port, sites on their own domain', () => {
  const address = siteAddress('https://opus.example.com', { sitesDomain: 'sites.example.net', pathHosts: [] });
  assert.equal(projectUrls(address, 'site', [], []).site, 'https://site.sites.example.net/');
  assert.equal(previewUrl(address, 'site', '2.0.0'), 'https://2-0-0--site.sites.example.net/');
});

test('a version that can be no host label has a preview only on the opt-in path-style host', () => {
  assert.equal(previewUrl(embedded, 'site', '1.0.0+b'), undefined);
  assert.deepEqual(projectUrls(embedded, 'site', [], ['1.0.0+b']).previews, {});
  const withPaths = siteAddress('http://127.0.0.1:8080', { sitesDomain: 'localhost', pathHosts: ['sites.internal'] });
  assert.equal(previewUrl(withPaths, 'site', '1.0.0+b'), 'http://sites.internal:8080/site@1.0.0%2Bb/');
});

test('preview hosts when opus.yaml sets previews.domain, in the scheme the server was reached by', () => {
  const urls = projectUrls(siteAddress('https://opus.example.com/', EMBEDDED_ORIGINS), 'site', [], ['1.2.0', 'v2+meta'], 'preview.example.com');
  assert.deepEqual(urls.previewHosts, { '1.2.0': 'https://1-2-0--site.preview.example.com/' });
});
