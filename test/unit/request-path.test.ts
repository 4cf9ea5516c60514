import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PATH_LENGTH, parseSitePath } from '../../src/server/request-path.js';

function segments(path: string): string[] {
  const result = parseSitePath(path);
  assert.ok(result.ok, `${path} was refused with ${result.ok ? '' : result.status}`);
  return result.segments;
}

function status(path: string): number | undefined {
  const result = parseSitePath(path);
  return result.ok ? undefined : result.status;
}

test('a plain path becomes its decoded segments', () => {
  assert.deepEqual(segments('/about.html'), ['about.html']);
  assert.deepEqual(segments('/static/js/app.3f9a1c2e.js'), ['static', 'js', 'app.3f9a1c2e.js']);
  assert.deepEqual(segments('/files/my%20report.pdf'), ['files', 'my report.pdf']);
  assert.deepEqual(segments('/caf%C3%A9/'), ['café']);
  assert.deepEqual(segments('/a%252e%252e'), ['a%2e%2e'], 'decoded once only');
});

test('the root and a trailing slash are told apart', () => {
  assert.deepEqual(parseSitePath('/'), { ok: true, segments: [], trailingSlash: true });
  assert.deepEqual(parseSitePath(''), { ok: true, segments: [], trailingSlash: false });
  assert.deepEqual(parseSitePath('/docs/'), { ok: true, segments: ['docs'], trailingSlash: true });
  assert.deepEqual(parseSitePath('/docs'), { ok: true, segments: ['docs'], trailingSlash: false });
});

test('".." and "." in any encoding are never a path', () => {
  for (const path of ['/..', '/../x', '/a/../../x', '/%2e%2e/x', '/%2E%2E/x', '/.%2e/x', '/%2e./x', '/a/./b', '/%2e/b', '/..;/x']) {
    const code = status(path);
    assert.ok(code === 404 || code === 400, `${path} → ${String(code)}`);
  }
});

test('dotfiles and dot-directories are not found', () => {
  for (const path of ['/.env', '/.git/config', '/.opus/live.json', '/a/.htpasswd', '/%2eenv', '/.well-known/x']) {
    assert.equal(status(path), 404, path);
  }
});

test('encoded separators, backslashes, NUL and control characters are bad requests', () => {
  for (const path of ['/..%2fx', '/%2e%2e%2fx', '/a%2Fb', '/..%5cx', '/a\\b', '/..\\..\\x', '/%5c', '/a%00.html', '/a%0a', '/a%1fb', '/a%7f'.replace('%7f', '%09')]) {
    assert.equal(status(path), 400, path);
  }
});

test('empty segments ("//") are bad requests, so no path can look absolute', () => {
  for (const path of ['//etc/passwd', '/a//b', '///']) assert.equal(status(path), 400, path);
});

test('escapes that are not valid UTF-8 or not escapes at all are bad requests', () => {
  for (const path of ['/%zz', '/%', '/%C0%AE%C0%AE/x', '/%E0%A4%A', '/%ff']) assert.equal(status(path), 400, path);
});

test('over-long paths are refused as such, and the longest allowed one is not', () => {
  assert.equal(status(`/${'a'.repeat(MAX_PATH_LENGTH)}`), 414);
  assert.deepEqual(segments(`/${'a'.repeat(MAX_PATH_LENGTH - 1)}`), ['a'.repeat(MAX_PATH_LENGTH - 1)]);
});

test('no accepted segment can leave the directory it is joined to', () => {
  const tricky = ['/%2e%2e', '/..%2f', '/%2e%2e%5c', '/a/%2e%2e/%2e%2e', '/%c0%ae%c0%ae', '/%u002e%u002e', '/..%00', '/.%2e', '/a%2f..%2f..'];
  for (const path of tricky) {
    const result = parseSitePath(path);
    if (!result.ok) continue;
    for (const segment of result.segments) {
      assert.ok(segment !== '..' && segment !== '.' && !segment.includes('/') && !segment.includes('\\') && !segment.includes('\0'), `${path} → ${segment}`);
    }
  }
});
