import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMBEDDED_ORIGINS, hostName, hostRole, originsProblem, previewLabel, previewOf, type Origins } from '../../src/domain/origins.js';

const real: Origins = { dashboardHosts: ['opus.example.com'], sitesDomain: 'sites.example.com', pathHosts: [] };

test('the embedded default: the dashboard on localhost and the loopback addresses, whatever the port', () => {
  for (const host of ['localhost:8080', 'LOCALHOST', '127.0.0.1:8080', '[::1]:8080', 'localhost.']) assert.deepEqual(hostRole(EMBEDDED_ORIGINS, host), { kind: 'dashboard' }, host);
});

test('<project>.localhost is the project, <version>--<project> its preview (dots as dashes or as they are)', () => {
  assert.deepEqual(hostRole(EMBEDDED_ORIGINS, 'site.localhost:8080'), { kind: 'site', label: 'site' });
  assert.deepEqual(hostRole(EMBEDDED_ORIGINS, '1-1-0--site.localhost:8080'), { kind: 'site', label: '1-1-0--site' });
  assert.deepEqual(hostRole(EMBEDDED_ORIGINS, '1.1.0--site.localhost'), { kind: 'site', label: '1.1.0--site' });
  assert.deepEqual(previewOf('1.1.0--site'), { project: 'site', versionLabel: '1-1-0' });
  assert.deepEqual(previewOf('1-1-0--site'), { project: 'site', versionLabel: '1-1-0' });
  // The version part may not hold '--' itself, so a name like a--b stays a project's name.
  assert.equal(previewOf('v2--my--site'), undefined);
  assert.equal(previewOf('site'), undefined);
});

test('a real install: the dashboard host serves no site, sites live under the sites domain, anything else is "other"', () => {
  assert.deepEqual(hostRole(real, 'opus.example.com'), { kind: 'dashboard' });
  assert.deepEqual(hostRole(real, 'shop.sites.example.com'), { kind: 'site', label: 'shop' });
  assert.deepEqual(hostRole(real, 'www.shop.com'), { kind: 'other', host: 'www.shop.com' });
  assert.deepEqual(hostRole(real, 'localhost:8080'), { kind: 'other', host: 'localhost' });
  // Under the sites domain but no project's name: not a site.
  assert.deepEqual(hostRole(real, 'a.b.sites.example.com'), { kind: 'other', host: 'a.b.sites.example.com' });
});

test('Host headers that are no host name route nowhere', () => {
  for (const header of [undefined, '', 'evil.com/path', 'a b', 'x'.repeat(300), 'site.localhost:8080:1']) assert.equal(hostRole(EMBEDDED_ORIGINS, header), undefined, String(header));
  assert.equal(hostName('Site.LocalHost:80'), 'site.localhost');
});

test('path-style sites only as an opt-in, and never on a dashboard host', () => {
  assert.deepEqual(hostRole({ ...EMBEDDED_ORIGINS, pathHosts: ['sites.internal'] }, 'sites.internal:8080'), { kind: 'path-sites' });
  assert.match(originsProblem({ ...EMBEDDED_ORIGINS, pathHosts: ['localhost'] }) ?? '', /cannot be both the dashboard's host and a host of path-style sites/);
  assert.match(originsProblem({ ...real, dashboardHosts: ['shop.sites.example.com'] }) ?? '', /is a project's host/);
  assert.match(originsProblem({ ...real, sitesDomain: 'https://x' }) ?? '', /not a host name/);
  assert.equal(originsProblem({ ...EMBEDDED_ORIGINS, dashboardHosts: ['opus.localhost'] }), undefined, 'opus is a reserved project name, so opus.localhost is no site');
  assert.equal(originsProblem(EMBEDDED_ORIGINS), undefined);
});

test('previewLabel: dots become dashes, nothing else odd', () => {
  assert.equal(previewLabel('1.2.0'), '1-2-0');
  assert.equal(previewLabel('V1.0'), 'v1-0');
  assert.equal(previewLabel('1.0.0+build'), undefined);
  assert.equal(previewLabel('a--b'), undefined);
});
