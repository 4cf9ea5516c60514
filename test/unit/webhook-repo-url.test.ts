import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLocalPath, normalizeRepoUrl, sameRepo } from '../../src/domain/repo-url.js';

test('every address GitHub gives for one repository normalizes to one key', () => {
  const key = 'github.com/acme/site';
  for (const url of [
    'https://github.com/acme/site.git',
    'https://github.com/acme/site',
    'https://github.com/acme/site/',
    'https://github.com/acme/site.git/',
    'git@github.com:acme/site.git',
    'ssh://git@github.com/acme/site.git',
    'ssh://git@github.com:22/acme/site.git',
    'git://github.com/acme/site.git',
    'https://GitHub.com/acme/site.git',
    'https://github.com:443/acme/site.git',
    'https://user:token@github.com/acme/site.git',
    'https://github.com/Acme/Site.git',
  ]) {
    assert.equal(normalizeRepoUrl(url), key, url);
  }
});

test("GitLab's git_http_url and git_ssh_url match the project's source", () => {
  assert.ok(sameRepo('http://gitlab.example.com/mike/diaspora.git', 'git@gitlab.example.com:mike/diaspora.git'));
  assert.ok(sameRepo('https://gitlab.example.com/group/sub/app.git', 'ssh://git@gitlab.example.com/group/sub/app'));
});

test('a non-default port is part of the key; another host, owner or repository is another repository', () => {
  assert.equal(normalizeRepoUrl('http://127.0.0.1:3000/acme/site.git'), '127.0.0.1:3000/acme/site');
  assert.ok(!sameRepo('http://git.example.com:3000/acme/site', 'http://git.example.com:3001/acme/site'));
  assert.ok(!sameRepo('https://github.com/acme/site', 'https://gitlab.com/acme/site'));
  assert.ok(!sameRepo('https://github.com/acme/site', 'https://github.com/acme/site2'));
  assert.ok(!sameRepo('https://github.com/acme/site', 'https://github.com/other/site'));
});

test('local paths and file:// URLs: .git and trailing slashes dropped, dots resolved, case kept', () => {
  for (const url of ['/srv/git/app', '/srv/git/app.git', '/srv/git/app/', '/srv/git/./app.git/', '/srv/git/x/../app', 'file:///srv/git/app.git', 'file://localhost/srv/git/app']) {
    assert.equal(normalizeRepoUrl(url), '/srv/git/app', url);
  }
  assert.ok(!sameRepo('/srv/git/App', '/srv/git/app'), 'paths on a filesystem keep their case');
  assert.ok(!sameRepo('/srv/git/app', 'https://srv/git/app'));
});

test('isLocalPath tells paths from remote addresses', () => {
  for (const path of ['/srv/app', './app', '../app', 'app', 'file:///srv/app']) assert.equal(isLocalPath(path), true, path);
  for (const url of ['https://github.com/a/b', 'git@github.com:a/b.git', 'ssh://git@host/a/b', 'host:a/b']) assert.equal(isLocalPath(url), false, url);
});
