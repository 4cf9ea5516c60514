// `--pr` on add, remove, deploy and rollback: the change goes to a new branch, pushed over real
// smart HTTP to a real bare repo, and a pull request is opened through the forge's REST API.
// Hosted APIs cannot be reached here: a stand-in on 127.0.0.1 answers GitHub's and Gitea's calls.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test, type TestContext } from 'node:test';
import yaml from 'js-yaml';
import { gitSync, makeSourceRepo, opus, tempDir } from '../support/fixtures.js';
import { startForgeStandIn, type ForgeStandIn } from '../support/forge-stand-in.js';

/** git against the stand-in must not block this process: the stand-in answers from it. */
const gitAsync = promisify(execFile);

const TOKENS = { github: 'ghp_standInToken0123456789abcdefABCDEF', gitea: 'gitea-stand-in-token-0123456789' };

interface Setup {
  forge: ForgeStandIn;
  bare: string;
  work: string;
  run: (env: Record<string, string>, ...args: string[]) => ReturnType<typeof opus>;
}

/** A config repo on the stand-in forge (acme/opus-config), cloned over HTTP, with `site` at 1.1.0 (deployed 1.0.0 → 1.1.0). */
async function setup(t: TestContext): Promise<Setup> {
  const dir = await tempDir(t, 'opus-pr-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'a.txt': '1' }, '1.1.0': { 'a.txt': '2' }, '1.2.0': { 'a.txt': '3' } });
  const bare = join(dir, 'forge', 'acme', 'opus-config.git');
  gitSync(dir, 'init', '--quiet', '--bare', bare);
  const forge = await startForgeStandIn(join(dir, 'forge'), TOKENS);
  t.after(() => forge.close());
  const seed = join(dir, 'seed');
  assert.equal((await opus(['init', seed])).code, 0);
  gitSync(seed, 'push', '--quiet', bare, 'main');
  const work = join(dir, 'config');
  await gitAsync('git', ['clone', '--quiet', `${forge.url}/acme/opus-config.git`, work], { cwd: dir });
  const base = { OPUS_CONFIG: work, GITHUB_TOKEN: '', GITEA_TOKEN: '' };
  const run = (env: Record<string, string>, ...args: string[]) => opus(args, { env: { ...base, ...env } });
  for (const args of [['add', 'site', source, '--image', 'node:20', '--command', 'npm run build', '--deploy', '1.0.0'], ['deploy', 'site', '1.1.0']]) {
    const result = await run({}, ...args);
    assert.equal(result.code, 0, result.stderr);
  }
  return { forge, bare, work, run };
}

const deployIn = async (work: string) => (yaml.load(await readFile(join(work, 'projects/site.yaml'), 'utf8')) as { deploy?: string }).deploy;
const deployOn = (bare: string, ref: string) => (yaml.load(gitSync(bare, 'show', `${ref}:projects/site.yaml`)) as { deploy?: string }).deploy;

test('opus deploy --pr pushes a branch and opens a pull request with the right title, body, head and base (GitHub API stand-in)', async (t) => {
  const { forge, bare, work, run } = await setup(t);
  const mainBefore = gitSync(bare, 'rev-parse', 'main').trim();
  const headBefore = gitSync(work, 'rev-parse', 'HEAD').trim();
  const env = { OPUS_FORGE: 'github', OPUS_FORGE_API: `${forge.url}/api/v3`, GITHUB_TOKEN: TOKENS.github };

  const result = await run(env, 'deploy', 'site', '1.2.0', '--pr', '--json');
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { message: string; commit: string; pullRequest: { number: number; url: string; branch: string; base: string } };
  assert.deepEqual(out.pullRequest, { number: 1, url: 'http://forge.test/acme/opus-config/pull/1', branch: 'opus/deploy-site-1.2.0', base: 'main' });

  const [call] = forge.calls;
  assert.equal(call?.path, '/api/v3/repos/acme/opus-config/pulls');
  assert.equal(call?.authorization, `Bearer ${TOKENS.github}`);
  assert.deepEqual({ ...call?.body, body: undefined }, { title: 'deploy site 1.2.0 (was 1.1.0)', head: 'opus/deploy-site-1.2.0', base: 'main', body: undefined });
  assert.match(call?.body.body ?? '', /Deploys \*\*site\*\* from \*\*1\.1\.0\*\* to \*\*1\.2\.0\*\*/);
  assert.match(call?.body.body ?? '', /Opus builds site@1\.2\.0 from .* unless it is already built/);
  assert.match(call?.body.body ?? '', /Until the build succeeds, 1\.1\.0 keeps being served/);

  // The branch is on the remote with one commit on top of main; main, the working copy and its branch are untouched.
  assert.equal(gitSync(bare, 'rev-parse', 'main').trim(), mainBefore);
  assert.equal(gitSync(bare, 'rev-parse', 'opus/deploy-site-1.2.0').trim(), out.commit);
  assert.equal(gitSync(bare, 'rev-parse', `${out.commit}^`).trim(), mainBefore);
  assert.equal(gitSync(bare, 'log', '-1', '--format=%s', out.commit).trim(), 'deploy site 1.2.0 (was 1.1.0)');
  assert.equal(deployOn(bare, 'opus/deploy-site-1.2.0'), '1.2.0');
  assert.equal(deployOn(bare, 'main'), '1.1.0');
  assert.equal(gitSync(work, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), 'main');
  assert.equal(gitSync(work, 'rev-parse', 'HEAD').trim(), headBefore);
  assert.equal(gitSync(work, 'status', '--porcelain').trim(), '');
  assert.equal(await deployIn(work), '1.1.0');
  assert.equal(result.stdout.includes(TOKENS.github) || result.stderr.includes(TOKENS.github), false);

  // The same change again gets a branch of its own.
  const again = await run(env, 'deploy', 'site', '1.2.0', '--pr');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /on branch opus\/deploy-site-1\.2\.0-2, pushed\n\s+pull request #2 into main: http:\/\/forge\.test\/acme\/opus-config\/pull\/2/);
  assert.equal(forge.calls[1]?.body.head, 'opus/deploy-site-1.2.0-2');
});

test('rollback, add and remove --pr open pull requests too; the API address comes from the remote (Gitea API stand-in)', async (t) => {
  const { forge, bare, work, run } = await setup(t);
  const env = { OPUS_FORGE: 'gitea', GITEA_TOKEN: TOKENS.gitea };
  const rollback = await run(env, 'rollback', 'site', '--pr');
  assert.equal(rollback.code, 0, rollback.stderr);
  const add = await run(env, 'add', 'docs', join(work, '..', 'app'), '--image', 'node:20', '--command', 'make', '--pr');
  assert.equal(add.code, 0, add.stderr);
  const remove = await run(env, 'remove', 'site', '--pr', '--forge-token', TOKENS.gitea, '--forge', 'gitea');
  assert.equal(remove.code, 0, remove.stderr);

  assert.deepEqual(forge.calls.map((c) => [c.path, c.authorization, c.body.head, c.body.base, c.body.title]), [
    ['/api/v1/repos/acme/opus-config/pulls', `token ${TOKENS.gitea}`, 'opus/rollback-site-1.0.0', 'main', 'rollback site to 1.0.0 (was 1.1.0)'],
    ['/api/v1/repos/acme/opus-config/pulls', `token ${TOKENS.gitea}`, 'opus/add-docs', 'main', 'add project docs'],
    ['/api/v1/repos/acme/opus-config/pulls', `token ${TOKENS.gitea}`, 'opus/remove-site', 'main', 'remove project site'],
  ]);
  assert.match(forge.calls[0]?.body.body ?? '', /Rolls back \*\*site\*\* from \*\*1\.1\.0\*\* to \*\*1\.0\.0\*\*/);
  assert.match(forge.calls[1]?.body.body ?? '', /Nothing is deployed yet/);
  assert.match(forge.calls[2]?.body.body ?? '', /stops serving site \(now at 1\.1\.0\)/);
  assert.equal(deployOn(bare, 'opus/rollback-site-1.0.0'), '1.0.0');
  assert.equal(gitSync(bare, 'ls-tree', '--name-only', 'opus/remove-site', 'projects/').includes('site.yaml'), false);
  assert.equal(gitSync(bare, 'ls-tree', '--name-only', 'opus/add-docs', 'projects/').includes('docs.yaml'), true);
  assert.equal(gitSync(bare, 'ls-tree', '--name-only', 'main', 'projects/').includes('docs.yaml'), false);
  assert.equal(gitSync(work, 'status', '--porcelain').trim(), '');
  assert.equal(await deployIn(work), '1.1.0');
});

test('--pr refuses before pushing anything without a token, and says so when the forge refuses the token (GitHub API stand-in)', async (t) => {
  const { forge, bare, run } = await setup(t);
  const branches = () => gitSync(bare, 'branch', '--list', 'opus/*').trim();
  const api = { OPUS_FORGE_API: `${forge.url}/api/v3` };

  const noToken = await run({ ...api, OPUS_FORGE: 'github' }, 'deploy', 'site', '1.2.0', '--pr');
  assert.equal(noToken.code, 3, noToken.stderr);
  assert.match(noToken.stderr, /a github token is needed[\s\S]*set GITHUB_TOKEN/);
  const unknownForge = await run({ GITHUB_TOKEN: TOKENS.github }, 'deploy', 'site', '1.2.0', '--pr');
  assert.equal(unknownForge.code, 2, unknownForge.stderr);
  assert.match(unknownForge.stderr, /cannot tell which forge hosts http:\/\/127\.0\.0\.1:\d+\/acme\/opus-config\.git[\s\S]*--forge github\|gitea/);
  assert.equal(branches(), '');
  assert.equal(forge.calls.length, 0);

  const wrongToken = 'ghp_wrongToken0123456789abcdefABCDEFxyz';
  const refused = await run({ ...api, OPUS_FORGE: 'github', GITHUB_TOKEN: wrongToken }, 'deploy', 'site', '1.2.0', '--pr');
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /pushed the branch opus\/deploy-site-1\.2\.0, but the github API refused the token \(401\): Bad credentials/);
  assert.equal(refused.stderr.includes(wrongToken) || refused.stdout.includes(wrongToken), false);
  assert.equal(branches(), 'opus/deploy-site-1.2.0');
});

test('without --pr the commands commit and push to the current branch as before', async (t) => {
  const { forge, bare, work, run } = await setup(t);
  const result = await run({ GITHUB_TOKEN: TOKENS.github }, 'deploy', 'site', '1.2.0');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(deployOn(bare, 'main'), '1.2.0');
  assert.equal(await deployIn(work), '1.2.0');
  assert.equal(gitSync(bare, 'branch', '--list', 'opus/*').trim(), '');
  assert.equal(forge.calls.length, 0);
});
