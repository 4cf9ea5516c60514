import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileHeaderRules, headersFor, parseHeaders } from '../../src/domain/header-rules.js';
import { compileRedirects, matchRedirect, parseRedirects } from '../../src/domain/redirects.js';
import { chooseCoding, notModified, parseRange, rangeStillValid } from '../../src/server/site/negotiation.js';

test('_redirects: statuses, forced rules, splats and placeholders, and what is skipped', () => {
  const { rules, skipped } = parseRedirects(`
# comment
/old            /new
/news/*         /blog/:splat      302
/blog/:year/:slug  /posts/:year-:slug  301!
/app/*          /index.html       200
/gone           /                 410
/api/*          https://api.example.com/:splat  200
/shop           /store            302  Country=us
/q?x=1          /y
nonsense
`);
  assert.deepEqual(
    rules.map((r) => [r.from, r.to, r.status, r.force]),
    [
      ['/old', '/new', 301, false],
      ['/news/*', '/blog/:splat', 302, false],
      ['/blog/:year/:slug', '/posts/:year-:slug', 301, true],
      ['/app/*', '/index.html', 200, false],
      ['/gone', '/', 410, false],
    ],
  );
  assert.equal(skipped.length, 4);
  assert.match(skipped.join('\n'), /proxying/);
  assert.match(skipped.join('\n'), /conditions/);
  assert.match(skipped.join('\n'), /query-string/);

  const compiled = compileRedirects(rules);
  assert.equal(matchRedirect(compiled, '/news/2024/hello', false)?.target, '/blog/2024/hello');
  assert.equal(matchRedirect(compiled, '/old', true), undefined, 'an existing file shadows an unforced rule');
  assert.equal(matchRedirect(compiled, '/blog/2024/x', true)?.target, '/posts/2024-x', 'a forced rule applies even over a file');
  assert.equal(matchRedirect(compiled, '/elsewhere', false), undefined);
});

test('_headers: blocks by path, values joined, protected headers refused', () => {
  const { rules, skipped } = parseHeaders(`/*
  X-Frame-Options: DENY
  Link: </a.css>; rel=preload
/assets/*
  Cache-Control: public, max-age=60
  Content-Length: 1
  Link: </b.js>; rel=preload
`);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0] ?? '', /Content-Length is set by Opus/);
  const compiled = compileHeaderRules(rules);
  assert.deepEqual(headersFor(compiled, '/assets/app.js'), {
    'X-Frame-Options': 'DENY',
    Link: '</a.css>; rel=preload, </b.js>; rel=preload',
    'Cache-Control': 'public, max-age=60',
  });
  assert.deepEqual(headersFor(compiled, '/index.html'), { 'X-Frame-Options': 'DENY', Link: '</a.css>; rel=preload' });
});

test('content coding follows Accept-Encoding and what exists', () => {
  const both = { br: true, gzip: true };
  assert.equal(chooseCoding('gzip, deflate, br', both), 'br');
  assert.equal(chooseCoding('gzip', both), 'gzip');
  assert.equal(chooseCoding('br;q=0, gzip', both), 'gzip');
  assert.equal(chooseCoding('*', both), 'br');
  assert.equal(chooseCoding('br', { br: false, gzip: true }), 'identity');
  assert.equal(chooseCoding(undefined, both), 'identity');
  assert.equal(chooseCoding('identity', both), 'identity');
});

test('conditional requests and ranges', () => {
  const modified = new Date('2026-01-01T00:00:00Z');
  assert.equal(notModified('"a", "b"', undefined, '"b"', modified), true);
  assert.equal(notModified('W/"b"', undefined, '"b"', modified), true);
  assert.equal(notModified('"c"', 'Thu, 01 Jan 2099 00:00:00 GMT', '"b"', modified), false, 'If-None-Match wins');
  assert.equal(notModified(undefined, 'Thu, 01 Jan 2026 00:00:00 GMT', '"b"', modified), true);
  assert.equal(notModified(undefined, 'Wed, 31 Dec 2025 00:00:00 GMT', '"b"', modified), false);
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=95-200', 100), { start: 95, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined, 'several ranges: the whole file');
  assert.equal(parseRange('items=0-1', 100), undefined);
  assert.equal(rangeStillValid('"x"', '"x"', modified), true);
  assert.equal(rangeStillValid('"y"', '"x"', modified), false);
});
