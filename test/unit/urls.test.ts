import assert from 'node:assert/strict';
import { test } from 'node:test';
import { previewHostLabel, previewUrl, projectUrls } from '../../src/domain/urls.js';

test('the site, its domains and a preview URL per built version', () => {
  assert.deepEqual(projectUrls('http://127.0.0.1:8080', 'site', ['www.example.com'], ['1.1.0', '1.0.0']), {
    site: 'http://127.0.0.1:8080/site/',
    domains: ['http://www.example.com/'],
    previews: { '1.1.0': 'http://127.0.0.1:8080/site@1.1.0/', '1.0.0': 'http://127.0.0.1:8080/site@1.0.0/' },
  });
  assert.equal(previewUrl('https://opus.example.com', 'site', '1.0.0+b'), 'https://opus.example.com/site@1.0.0%2Bb/');
});

test('preview hosts when opus.yaml sets previews.domain, in the scheme the server was reached by', () => {
  const urls = projectUrls('https://opus.example.com/', 'site', [], ['1.2.0', 'v2+meta'], 'preview.example.com');
  assert.equal(urls.site, 'https://opus.example.com/site/');
  assert.deepEqual(urls.previewHosts, { '1.2.0': 'https://1-2-0--site.preview.example.com/' });
});

test('previewHostLabel mirrors the site router: dots become dashes, nothing else odd', () => {
  assert.equal(previewHostLabel('1.2.0'), '1-2-0');
  assert.equal(previewHostLabel('V1.0'), 'v1-0');
  assert.equal(previewHostLabel('1.0.0+build'), undefined);
  assert.equal(previewHostLabel('a--b'), undefined);
});
