// Pull requests on the config repo (as `opus deploy --pr` opens them), hosted on the forge
// stand-in: the version merging would deploy is built and reported; broken YAML gets a failing
// status naming file, line and problem; production keeps serving throughout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, gitSync, writeFiles } from '../support/fixtures.js';
import { startPreviewWorld, type PreviewWorld } from '../support/preview-world.js';
import { postGithub } from '../support/webhooks.js';

let world: PreviewWorld;
let pr = 10;

before(async () => {
  world = await startPreviewWorld({ command: 'mkdir -p dist && cp -r public/. dist/', files: { 'public/index.html': '<h1>1.0.0</h1>' }, projectYaml: '', configOnForge: true });
});
after(() => world?.close());

function tag(version: string, files: Record<string, string>, remove: string[] = []): Promise<string> {
  return world.commit('main', files, `release ${version}`, remove).then((commit) => {
    gitSync(world.work, 'tag', version);
    gitSync(world.work, 'push', '--quiet', 'origin', version);
    return commit;
  });
}

/** A branch of the config repo with `files` changed, pushed, and its pull request's webhook sent. */
async function configPullRequest(files: Record<string, string>): Promise<string> {
  pr += 1;
  gitSync(world.configDir, 'checkout', '--quiet', '-B', `opus/pr-${pr}`, 'main');
  await writeFiles(world.configDir, files);
  gitSync(world.configDir, 'commit', '--quiet', '-am', `deploy site (pull request ${pr})`);
  gitSync(world.configDir, 'push', '--quiet', 'origin', `opus/pr-${pr}`);
  const head = gitSync(world.configDir, 'rev-parse', 'HEAD').trim();
  gitSync(world.configBare, 'update-ref', `refs/pull/${pr}/head`, head);
  gitSync(world.configDir, 'checkout', '--quiet', 'main');
  const repo = { full_name: 'acme/config', clone_url: `${world.forge.url}/acme/config.git` };
  const body = JSON.stringify({ action: 'opened', number: pr, pull_request: { number: pr, user: { login: 'alice' }, author_association: 'MEMBER', labels: [], head: { ref: `opus/pr-${pr}`, sha: head, repo }, base: { ref: 'main', repo } }, repository: repo });
  const answer = await postGithub(world.server.url, body, { event: 'pull_request', secret: world.secret });
  assert.equal(answer.status, 202);
  return head;
}

const siteYaml = () => gitSync(world.configDir, 'show', 'main:projects/site.yaml');
const statusBy = (sha: string, context: string, state: string) =>
  eventually(() => {
    const last = world.statusesOf(sha).filter((s) => s.context === context).at(-1);
    return last?.state === state ? last : undefined;
  }, 120_000, `${context} ${state} on ${sha.slice(0, 7)}`);

test('a config pull request that deploys a version builds it and links the exact site merging serves', async () => {
  await tag('1.1.0', { 'public/index.html': '<h1>1.1.0</h1>' });
  const head = await configPullRequest({ 'projects/site.yaml': siteYaml().replace('deploy: "1.0.0"', 'deploy: "1.1.0"') });
  await statusBy(head, 'opus/config', 'success');
  await statusBy(head, 'opus/site', 'pending');
  const done = await statusBy(head, 'opus/site', 'success');
  assert.equal(done.targetUrl, `http://${world.hostOf('1-1-0')}/`);
  assert.equal((await world.get(world.hostOf('1-1-0'))).body, '<h1>1.1.0</h1>');
  assert.equal((await world.get('127.0.0.1', '/site/')).body, '<h1>1.0.0</h1>', 'nothing goes live before the merge');
  const comment = world.forge.api.comments.get(`github:acme/config#${pr}`)?.find((c) => c.body.startsWith('<!-- opus-preview:@config -->'));
  assert.match(comment?.body ?? '', /1\.0\.0 → \*\*1\.1\.0\*\* \| ✅ built/);
});

test('a config pull request that deploys a broken version fails its status with the log; production keeps serving', async () => {
  await tag('2.0.0', { 'README.md': 'no public/' }, ['public']);
  const head = await configPullRequest({ 'projects/site.yaml': siteYaml().replace('deploy: "1.0.0"', 'deploy: "2.0.0"') });
  const failed = await statusBy(head, 'opus/site', 'failure');
  assert.match(failed.description ?? '', /The build of 2\.0\.0 failed: merging would keep 1\.0\.0 live/);
  assert.match(await (await fetch(failed.targetUrl ?? '')).text(), /build failed/);
  assert.equal((await world.get('127.0.0.1', '/site/')).body, '<h1>1.0.0</h1>');
});

test('a config pull request that breaks the YAML gets a failing status naming file, line and problem', async () => {
  const head = await configPullRequest({ 'projects/site.yaml': `${siteYaml()}spa: "yes"\n` });
  const failed = await statusBy(head, 'opus/config', 'failure');
  const line = siteYaml().split('\n').length;
  assert.match(failed.description ?? '', new RegExp(`^projects/site\\.yaml:${line} spa: `), failed.description);
  const broken = await configPullRequest({ 'opus.yaml': 'sync: [\n' });
  const yaml = await statusBy(broken, 'opus/config', 'failure');
  assert.match(yaml.description ?? '', /^opus\.yaml:\d+: not valid YAML/);
  assert.deepEqual(world.statusesOf(broken).filter((s) => s.context === 'opus/site'), [], 'nothing is built under a broken opus.yaml');
  assert.equal((await world.get('127.0.0.1', '/site/')).body, '<h1>1.0.0</h1>');
});
