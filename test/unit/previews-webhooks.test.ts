import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forgePaths, forgeRepoOf, nextPage } from '../../src/domain/previews/forge-repo.js';
import { commentBody, closedCommentBody, commitStatus, gitlabState, markedComments, previewMarker } from '../../src/domain/previews/preview-report.js';
import { parseWebhook, WebhookPayloadError } from '../../src/domain/webhook-payload.js';

const HEAD = '0123456789abcdef0123456789abcdef01234567';

// Shapes as GitHub documents the pull_request event (trimmed to the fields that matter plus a few others).
function githubPr(action: string, options: { fork?: boolean; association?: string; labels?: string[] } = {}): string {
  const base = { full_name: 'acme/site', clone_url: 'https://github.com/acme/site.git', html_url: 'https://github.com/acme/site', ssh_url: 'git@github.com:acme/site.git' };
  const headRepo = options.fork ? { full_name: 'mallory/site', clone_url: 'https://github.com/mallory/site.git' } : base;
  return JSON.stringify({
    action,
    number: 42,
    pull_request: {
      number: 42,
      state: action === 'closed' ? 'closed' : 'open',
      html_url: 'https://github.com/acme/site/pull/42',
      user: { login: 'octocat' },
      author_association: options.association ?? 'CONTRIBUTOR',
      labels: (options.labels ?? []).map((name) => ({ id: 1, name, color: 'ffffff' })),
      head: { label: 'octocat:feature', ref: 'feature', sha: HEAD, repo: headRepo },
      base: { label: 'acme:main', ref: 'main', sha: 'f'.repeat(40), repo: base },
      merged: false,
    },
    repository: base,
    sender: { login: 'octocat' },
  });
}

test('GitHub pull_request: head, fork, write access and labels', () => {
  const event = parseWebhook('github', 'pull_request', githubPr('synchronize'));
  assert.equal(event.kind, 'pull-request');
  if (event.kind !== 'pull-request') return;
  assert.deepEqual([event.intent, event.number, event.headSha, event.fetchRef, event.fork, event.writeAccess, event.headBranch], ['build', 42, HEAD, 'refs/pull/42/head', false, true, 'feature']);
  assert.ok(event.repoUrls.includes('https://github.com/acme/site.git'));
  const fork = parseWebhook('github', 'pull_request', githubPr('opened', { fork: true, labels: ['preview'] }));
  assert.ok(fork.kind === 'pull-request' && fork.fork && !fork.writeAccess && fork.labels[0] === 'preview');
  const member = parseWebhook('github', 'pull_request', githubPr('opened', { fork: true, association: 'MEMBER' }));
  assert.ok(member.kind === 'pull-request' && member.fork && member.writeAccess);
  const closed = parseWebhook('github', 'pull_request', githubPr('closed'));
  assert.ok(closed.kind === 'pull-request' && closed.intent === 'close');
  const edited = parseWebhook('github', 'pull_request', githubPr('edited'));
  assert.ok(edited.kind === 'pull-request' && edited.intent === 'ignore');
});

test('Gitea pull_request: the same shape, "synchronized", no author_association', () => {
  const body = JSON.parse(githubPr('synchronized', { fork: true })) as { pull_request: Record<string, unknown> };
  delete body.pull_request.author_association;
  const event = parseWebhook('gitea', 'pull_request', JSON.stringify(body));
  assert.ok(event.kind === 'pull-request');
  if (event.kind !== 'pull-request') return;
  assert.deepEqual([event.intent, event.fork, event.writeAccess, event.fetchRef], ['build', true, false, 'refs/pull/42/head']);
});

test('GitLab merge_request: iid, last_commit, source vs target project', () => {
  const mr = (action: string, source: number) => JSON.stringify({
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: { username: 'root' },
    project: { id: 1, path_with_namespace: 'acme/site', web_url: 'https://gitlab.example.com/acme/site', git_http_url: 'https://gitlab.example.com/acme/site.git' },
    object_attributes: { iid: 5, action, source_branch: 'ms-viewport', target_branch: 'main', source_project_id: source, target_project_id: 1, state: 'opened', url: 'https://gitlab.example.com/acme/site/-/merge_requests/5', last_commit: { id: HEAD, message: 'fix' } },
    labels: [{ id: 206, title: 'preview' }],
  });
  const event = parseWebhook('gitlab', 'Merge Request Hook', mr('update', 1));
  assert.ok(event.kind === 'pull-request');
  if (event.kind !== 'pull-request') return;
  assert.deepEqual([event.intent, event.number, event.headSha, event.fetchRef, event.fork, event.writeAccess, event.labels], ['build', 5, HEAD, 'refs/merge-requests/5/head', false, true, ['preview']]);
  const fork = parseWebhook('gitlab', 'Merge Request Hook', mr('open', 9));
  assert.ok(fork.kind === 'pull-request' && fork.fork && !fork.writeAccess);
  const merged = parseWebhook('gitlab', 'Merge Request Hook', mr('merge', 1));
  assert.ok(merged.kind === 'pull-request' && merged.intent === 'close');
});

test('a pull-request webhook without its head says what is missing', () => {
  assert.throws(() => parseWebhook('github', 'pull_request', JSON.stringify({ action: 'opened', pull_request: { number: 1, head: { ref: 'x', sha: 'nope' }, base: { ref: 'main', repo: { full_name: 'a/b' } } } })), (error: unknown) => error instanceof WebhookPayloadError && /head\.sha/.test(error.message));
});

test('the status: pending with the log, success with the commit URL, failure with the log', () => {
  const links = { alias: 'http://pr-42--site.example.com/', commit: 'http://0123456--site.example.com/', log: 'http://opus/log' };
  assert.deepEqual(commitStatus('site', { status: 'pending' }, links), { state: 'pending', targetUrl: links.log, description: 'Building the preview…', context: 'opus/site' });
  assert.equal(commitStatus('site', { status: 'ready' }, links).targetUrl, links.commit);
  const failed = commitStatus('site', { status: 'failed', error: 'x'.repeat(300) }, links);
  assert.deepEqual([failed.state, failed.targetUrl, failed.description.length], ['failure', links.log, 140]);
  assert.equal(gitlabState('failure'), 'failed');
  assert.equal(gitlabState('pending'), 'running');
});

test('the comment is marked per project and found again among others', () => {
  const body = commentBody('site', { status: 'ready', commit: HEAD }, { alias: 'http://pr-42--site.x/', commit: 'http://0123456--site.x/', log: 'http://log' });
  assert.ok(body.startsWith('<!-- opus-preview:site -->\n'));
  assert.match(body, /http:\/\/pr-42--site\.x\//);
  assert.match(body, /`0123456789ab`/);
  const comments = [{ id: 1, body: 'LGTM' }, { id: 2, body: closedCommentBody('docs') }, { id: 3, body }];
  assert.deepEqual(markedComments(comments, previewMarker('site')).map((c) => c.id), [3]);
  assert.deepEqual(markedComments(comments, previewMarker('docs')).map((c) => c.id), [2]);
  assert.deepEqual(markedComments([{ id: 4, body: 'quote: <!-- opus-preview:site -->' }], previewMarker('site')), [], 'only a comment that starts with the marker');
});

test('the forge API comes from the project source, never from the payload', () => {
  assert.deepEqual(forgeRepoOf('github', 'https://github.com/acme/site.git'), { provider: 'github', api: 'https://api.github.com', path: 'acme/site' });
  assert.deepEqual(forgeRepoOf('github', 'https://ghe.example.com/acme/site'), { provider: 'github', api: 'https://ghe.example.com/api/v3', path: 'acme/site' });
  assert.deepEqual(forgeRepoOf('gitea', 'http://127.0.0.1:3000/acme/site.git'), { provider: 'gitea', api: 'http://127.0.0.1:3000/api/v1', path: 'acme/site' });
  const gitlab = forgeRepoOf('gitlab', 'https://gitlab.example.com/group/sub/site.git');
  assert.deepEqual(gitlab, { provider: 'gitlab', api: 'https://gitlab.example.com/api/v4', path: 'group/sub/site' });
  assert.equal(forgePaths(gitlab!, HEAD, 5).status, `/projects/group%2Fsub%2Fsite/statuses/${HEAD}`);
  assert.equal(forgeRepoOf('github', '/srv/git/site'), undefined);
  assert.equal(forgePaths(forgeRepoOf('gitea', 'http://h/acme/site')!, HEAD, 3).comment(9), '/repos/acme/site/issues/comments/9');
});

test('pagination follows Link rel="next" on the API origin only', () => {
  const api = 'https://api.github.com';
  assert.equal(nextPage('<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last"', api), 'https://api.github.com/repositories/1/issues/2/comments?page=2');
  assert.equal(nextPage('<https://evil.example/steal>; rel="next"', api), undefined);
  assert.equal(nextPage('<https://api.github.com/x?page=1>; rel="prev"', api), undefined);
  assert.equal(nextPage(null, api), undefined);
});
