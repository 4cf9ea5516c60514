// The forge reporter against the stand-in's status and comment APIs: states per forge, the marked
// comment found across pages (Link headers) and edited in place, a copied marker not taken over.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpForgeReporter } from '../../src/adapters/forge/forge-reporter.js';
import { forgeRepoOf } from '../../src/domain/previews/forge-repo.js';
import { previewMarker } from '../../src/domain/previews/preview-report.js';
import { tempDir } from '../support/fixtures.js';
import { startForgeStandIn } from '../support/forge-stand-in.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const TOKENS = { github: 'gh', gitea: 'tea', gitlab: 'lab' };

test('statuses in each forge\'s own states; a wrong token is refused as the forge refuses it', async (t) => {
  const forge = await startForgeStandIn(await tempDir(t), TOKENS);
  t.after(() => forge.close());
  const reporter = new HttpForgeReporter(TOKENS);
  const status = { state: 'pending' as const, targetUrl: 'http://opus/log', description: 'Building the preview…', context: 'opus/site' };
  for (const provider of ['github', 'gitea', 'gitlab'] as const) {
    const repo = forgeRepoOf(provider, `${forge.url}/acme/site.git`);
    assert.ok(repo);
    await reporter.setStatus(repo, SHA, status);
    await reporter.setStatus(repo, SHA, status); // GitLab answers 400 for the same state again: no error
    await reporter.setStatus(repo, SHA, { ...status, state: 'failure' });
  }
  assert.deepEqual(forge.api.statuses.map((s) => `${s.forge}:${s.state}:${s.context}`), [
    'github:pending:opus/site', 'github:pending:opus/site', 'github:failure:opus/site',
    'gitea:pending:opus/site', 'gitea:pending:opus/site', 'gitea:failure:opus/site',
    'gitlab:running:opus/site', 'gitlab:failed:opus/site',
  ]);
  const repo = forgeRepoOf('github', `${forge.url}/acme/site.git`);
  assert.ok(repo);
  await assert.rejects(new HttpForgeReporter({ github: 'wrong' }).setStatus(repo, SHA, status), /\(401\): Bad credentials/);
  await assert.rejects(new HttpForgeReporter({}).setStatus(repo, SHA, status), /set GITHUB_TOKEN/);
});

test('the marked comment is found on a later page and edited in place; a copied marker is not taken over', async (t) => {
  const forge = await startForgeStandIn(await tempDir(t), TOKENS);
  t.after(() => forge.close());
  const reporter = new HttpForgeReporter(TOKENS);
  for (const provider of ['github', 'gitea', 'gitlab'] as const) {
    const repo = forgeRepoOf(provider, `${forge.url}/acme/site.git`);
    assert.ok(repo);
    forge.api.seed(provider, 'acme/site', 7, [`${previewMarker('site')} copied by someone`]);
    forge.api.seed(provider, 'acme/site', 7, Array.from({ length: 130 }, (_, i) => `comment ${i}`));
    await reporter.upsertComment(repo, 7, previewMarker('site'), `${previewMarker('site')}\nfirst`);
    forge.api.seed(provider, 'acme/site', 7, Array.from({ length: 30 }, (_, i) => `later ${i}`));
    await reporter.upsertComment(repo, 7, previewMarker('site'), `${previewMarker('site')}\nsecond`);
    const all = forge.api.comments.get(`${provider}:acme/site#7`) ?? [];
    const ours = all.filter((c) => c.user === 'opus-bot');
    assert.deepEqual(ours.map((c) => c.body.split('\n')[1]), ['second'], `${provider}: one comment, edited`);
    assert.equal(all[0]?.body, `${previewMarker('site')} copied by someone`, 'the copy is left as it was');
    const lists = forge.api.requests.filter((r) => r.startsWith('GET') && r.includes(provider === 'gitlab' ? '/api/v4/' : provider === 'github' ? '/api/v3/' : '/api/v1/'));
    assert.ok(lists.length >= 3, `${provider}: followed the Link header to later pages (${lists.length} pages read)`);
  }
});
