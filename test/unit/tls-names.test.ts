import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { allowedByRate, coveringNames, dnsNamesOf, namesToOrder, renewAtMs, servedHostKind, type ServedHosts } from '../../src/domain/tls-names.js';

const served: ServedHosts = {
  dashboardHost: 'opus.example.com',
  projectForHost: (host) => (host === 'www.site.com' ? 'site' : undefined),
  previewDomain: 'sites.example.com',
  previewExists: (project, label) => project === 'site' && label === '1-2-0',
};

test('only hosts Opus serves may lead to a certificate order', () => {
  assert.equal(servedHostKind('opus.example.com', served), 'dashboard');
  assert.equal(servedHostKind('www.site.com', served), 'domain');
  assert.equal(servedHostKind('1-2-0--site.sites.example.com', served), 'preview');
  // A version that was never built, a project that does not exist, a deeper name, a stranger.
  for (const host of ['9-9-9--site.sites.example.com', '1-2-0--other.sites.example.com', 'a.1-2-0--site.sites.example.com', '--site.sites.example.com', 'sites.example.com', 'evil.example.net', '127.0.0.1', 'localhost', 'WWW.SITE.COM']) {
    assert.equal(servedHostKind(host, served), undefined, host);
  }
});

test('names ordered ahead: the dashboard host and every domain, once each, no IP addresses', () => {
  assert.deepEqual(namesToOrder('opus.example.com', ['b.com', 'a.com', 'b.com']), ['a.com', 'b.com', 'opus.example.com']);
  assert.deepEqual(namesToOrder('127.0.0.1', []), []);
});

test('a wildcard covers one label only; SANs are read from the certificate text', () => {
  assert.deepEqual(coveringNames('1-0-0--site.sites.example.com'), ['1-0-0--site.sites.example.com', '*.sites.example.com']);
  assert.deepEqual(coveringNames('example.com'), ['example.com']);
  assert.deepEqual(dnsNamesOf('DNS:a.example, IP Address:127.0.0.1, DNS:*.B.example'), ['a.example', '*.b.example']);
});

test('renewal a third of the lifetime before expiry; on-demand orders bounded per window', () => {
  const day = 86_400_000;
  assert.equal(renewAtMs(0, 90 * day), 60 * day);
  assert.equal(allowedByRate([0, 10, 20], 30, 3, 100), false);
  assert.equal(allowedByRate([0, 10, 20], 105, 3, 100), true);
});

test('hsts: off by default, a year with true, options spelled out', () => {
  const project = (extra: string) => ({ path: 'projects/site.yaml', text: `source: /src\nbuild:\n  image: node:20\n  command: npm run build\n${extra}` });
  const headersOf = (extra: string) => readDesiredState({ path: 'opus.yaml', text: '' }, [project(extra)]).projects[0]?.site.headers;
  assert.deepEqual(headersOf(''), []);
  assert.deepEqual(headersOf('hsts: true\n'), [{ for: '/*', values: { 'Strict-Transport-Security': 'max-age=31536000' } }]);
  assert.deepEqual(headersOf('hsts:\n  maxAge: 1h\n  includeSubDomains: true\n  preload: true\n'), [{ for: '/*', values: { 'Strict-Transport-Security': 'max-age=3600; includeSubDomains; preload' } }]);
  const broken = readDesiredState({ path: 'opus.yaml', text: '' }, [project('hsts: yes please\n')]);
  assert.deepEqual(broken.brokenProjects, ['site']);
  assert.equal(broken.problems[0]?.path, 'hsts');
});

test('the JSON Schema of a project file knows hsts', async () => {
  const { jsonSchemas } = await import('../../src/domain/schema.js');
  const project = jsonSchemas().project as { properties: Record<string, { description?: string }> };
  assert.match(project.properties.hsts?.description ?? '', /Strict-Transport-Security/);
});
