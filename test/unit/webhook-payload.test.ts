import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWebhook, payloadText, WebhookPayloadError } from '../../src/domain/webhook-payload.js';

const githubPush = (ref: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ref,
    before: 'a'.repeat(40),
    after: 'b'.repeat(40),
    deleted: false,
    repository: { full_name: 'acme/site', clone_url: 'https://github.com/acme/site.git', ssh_url: 'git@github.com:acme/site.git', html_url: 'https://github.com/acme/site', owner: { html_url: 'https://github.com/acme' } },
    ...extra,
  });

test('a GitHub tag push gives the tag and every address of the repository', () => {
  const event = parseWebhook('github', 'push', githubPush('refs/tags/1.2.0'));
  assert.deepEqual(event, {
    kind: 'push',
    ref: 'refs/tags/1.2.0',
    tag: '1.2.0',
    deleted: false,
    repoUrls: ['https://github.com/acme/site.git', 'git@github.com:acme/site.git', 'https://github.com/acme/site'],
    commit: 'b'.repeat(40),
  });
});

test('a branch push names the branch; a deleted tag says so', () => {
  assert.deepEqual(parseWebhook('github', 'push', githubPush('refs/heads/main')), {
    kind: 'push',
    ref: 'refs/heads/main',
    branch: 'main',
    deleted: false,
    repoUrls: ['https://github.com/acme/site.git', 'git@github.com:acme/site.git', 'https://github.com/acme/site'],
    commit: 'b'.repeat(40),
  });
  const deleted = parseWebhook('github', 'push', githubPush('refs/tags/1.0.0', { deleted: true, after: '0'.repeat(40) }));
  assert.equal(deleted.kind === 'push' && deleted.deleted, true);
  assert.equal(deleted.kind === 'push' && deleted.commit, undefined, 'a deleted ref points at nothing');
});

test('ping is a ping; other GitHub events are ignored', () => {
  assert.deepEqual(parseWebhook('github', 'ping', '{"zen":"Keep it logically awesome."}'), { kind: 'ping' });
  assert.equal(parseWebhook('github', 'issues', '{}').kind, 'ignored');
  assert.equal(parseWebhook('github', 'create', '{}').kind, 'ignored');
  assert.equal(parseWebhook('github', undefined, '{}').kind, 'ignored');
});

test('a Gitea push (X-Gitea-Event: push) reads like GitHub\'s', () => {
  const body = JSON.stringify({ ref: 'refs/tags/v2.0.0', after: 'c'.repeat(40), repository: { clone_url: 'http://gitea.local:3000/acme/site.git', ssh_url: 'git@gitea.local:acme/site.git', html_url: 'http://gitea.local:3000/acme/site' } });
  const event = parseWebhook('gitea', 'push', body);
  assert.equal(event.kind, 'push');
  assert.equal(event.kind === 'push' && event.tag, 'v2.0.0');
  assert.deepEqual(event.kind === 'push' && event.repoUrls, ['http://gitea.local:3000/acme/site.git', 'git@gitea.local:acme/site.git', 'http://gitea.local:3000/acme/site']);
  assert.equal(parseWebhook('gitea', 'create', body).kind, 'ignored');
});

test('GitLab Push Hook and Tag Push Hook read project.git_http_url and git_ssh_url; a zero "after" is a deletion', () => {
  const body = (ref: string, after = 'd'.repeat(40)) =>
    JSON.stringify({
      object_kind: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
      ref,
      after,
      project: { git_http_url: 'https://gitlab.example.com/acme/site.git', git_ssh_url: 'git@gitlab.example.com:acme/site.git', web_url: 'https://gitlab.example.com/acme/site' },
      repository: { git_http_url: 'https://gitlab.example.com/acme/site.git', homepage: 'https://gitlab.example.com/acme/site' },
    });
  const tag = parseWebhook('gitlab', 'Tag Push Hook', body('refs/tags/1.3.0'));
  assert.equal(tag.kind === 'push' && tag.tag, '1.3.0');
  assert.deepEqual(tag.kind === 'push' && tag.repoUrls, ['https://gitlab.example.com/acme/site.git', 'https://gitlab.example.com/acme/site', 'git@gitlab.example.com:acme/site.git']);
  const push = parseWebhook('gitlab', 'Push Hook', body('refs/heads/main'));
  assert.equal(push.kind === 'push' && push.branch, 'main');
  assert.equal(push.kind === 'push' && push.commit, 'd'.repeat(40));
  const removed = parseWebhook('gitlab', 'Tag Push Hook', body('refs/tags/1.3.0', '0'.repeat(40)));
  assert.equal(removed.kind === 'push' && removed.deleted, true);
  assert.throws(() => parseWebhook('gitlab', 'Merge Request Hook', '{}'), /object_attributes/, 'a merge request is read now, and must have its attributes');
});

test('a push without JSON, a ref or repository addresses is a payload error', () => {
  assert.throws(() => parseWebhook('github', 'push', 'not json'), WebhookPayloadError);
  assert.throws(() => parseWebhook('github', 'push', '[1]'), WebhookPayloadError);
  assert.throws(() => parseWebhook('github', 'push', '{"repository":{"clone_url":"https://x/y"}}'), /ref/);
  assert.throws(() => parseWebhook('github', 'push', '{"ref":"refs/tags/1.0.0","repository":{}}'), /URLs/);
});

test('GitHub form-encoded deliveries carry the JSON in "payload"', () => {
  const json = githubPush('refs/tags/1.0.0');
  assert.equal(payloadText(new URLSearchParams({ payload: json }).toString(), 'application/x-www-form-urlencoded'), json);
  assert.equal(payloadText(json, 'application/json'), json);
  assert.equal(payloadText(json, undefined), json);
  assert.throws(() => payloadText('a=b', 'application/x-www-form-urlencoded'), WebhookPayloadError);
});
