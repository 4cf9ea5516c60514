import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forgeTarget, parseRemote, withoutCredentials } from '../../src/domain/forge.js';

test('parseRemote reads owner and repo from https, ssh and scp-like remotes', () => {
  assert.deepEqual(parseRemote('https://github.com/acme/opus-config.git'), { scheme: 'https', host: 'github.com', authority: 'github.com', owner: 'acme', repo: 'opus-config' });
  assert.deepEqual(parseRemote('git@github.com:acme/opus-config.git'), { scheme: 'ssh', host: 'github.com', authority: 'github.com', owner: 'acme', repo: 'opus-config' });
  assert.deepEqual(parseRemote('ssh://git@git.example.com:2222/acme/config'), { scheme: 'ssh', host: 'git.example.com', authority: 'git.example.com:2222', owner: 'acme', repo: 'config' });
  assert.deepEqual(parseRemote('http://127.0.0.1:3000/acme/config.git/'), { scheme: 'http', host: '127.0.0.1', authority: '127.0.0.1:3000', owner: 'acme', repo: 'config' });
  assert.equal(parseRemote('https://x-access-token:secret@github.com/acme/c.git')?.owner, 'acme');
  assert.equal(parseRemote('/srv/git/config.git'), undefined);
  assert.equal(parseRemote('file:///srv/acme/config.git'), undefined);
  assert.equal(parseRemote('https://github.com/config.git'), undefined);
});

test('github.com remotes go to api.github.com without being told', () => {
  assert.deepEqual(forgeTarget('git@github.com:acme/config.git', {}), { kind: 'github', api: 'https://api.github.com', owner: 'acme', repo: 'config' });
});

test('Gitea: the API is beside the repositories over HTTP(S), asked for over SSH', () => {
  assert.deepEqual(forgeTarget('https://git.example.com:3000/acme/config.git', { kind: 'gitea' }), { kind: 'gitea', api: 'https://git.example.com:3000/api/v1', owner: 'acme', repo: 'config' });
  const ssh = forgeTarget('git@git.example.com:acme/config.git', { kind: 'gitea' });
  assert.match('problem' in ssh ? ssh.problem : '', /--forge-api \(or set OPUS_FORGE_API\)/);
  assert.deepEqual(forgeTarget('git@git.example.com:acme/config.git', { kind: 'gitea', api: 'https://git.example.com/api/v1/' }), { kind: 'gitea', api: 'https://git.example.com/api/v1', owner: 'acme', repo: 'config' });
});

test('other hosts need --forge; GitHub Enterprise needs --forge-api', () => {
  const unknown = forgeTarget('https://git.example.com/acme/config.git', {});
  assert.match('problem' in unknown ? unknown.problem : '', /cannot tell which forge hosts https:\/\/git\.example\.com\/acme\/config\.git: pass --forge github\|gitea/);
  const ghe = forgeTarget('https://ghe.example.com/acme/config.git', { kind: 'github' });
  assert.match('problem' in ghe ? ghe.problem : '', /api\/v3/);
  assert.deepEqual(forgeTarget('https://ghe.example.com/acme/config.git', { kind: 'github', api: 'https://ghe.example.com/api/v3' }), { kind: 'github', api: 'https://ghe.example.com/api/v3', owner: 'acme', repo: 'config' });
  const bad = forgeTarget('https://github.com/acme/config.git', { kind: 'gitlab' });
  assert.match('problem' in bad ? bad.problem : '', /unknown forge "gitlab"/);
});

test('credentials in a remote never show up in messages', () => {
  assert.equal(withoutCredentials('https://user:s3cret@git.example.com/a/b.git'), 'https://git.example.com/a/b.git');
  const problem = forgeTarget('https://oauth2:s3cret@git.example.com/acme/config.git', {});
  assert.equal(JSON.stringify(problem).includes('s3cret'), false);
  const local = forgeTarget('/srv/config.git', {});
  assert.match('problem' in local ? local.problem : '', /does not name an owner and a repository/);
});
